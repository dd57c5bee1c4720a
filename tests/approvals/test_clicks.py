"""Approve / Reject clicks through the real Bolt stack: who may decide, and deciding exactly once."""

from __future__ import annotations

import asyncio

from bot import messages as say
from bot.approvals.card import ACTIONS_BLOCK, APPROVE_ACTION, EDIT_ACTION, REJECT_ACTION
from tests.approvals.conftest import (
    APPROVER,
    OTHER_APPROVER,
    OUTSIDER,
    REQUESTER,
    ask,
    audit,
    card_updates,
    click,
    ephemerals_to,
    order_state,
    row,
    running_bot,
    thread_texts,
    wait_cards,
    wait_text,
)

THREAD = "100.000001"


async def resume_items(bot) -> list[dict]:
    db = bot.service.agent.storage.db
    rows = []
    for item_id in range(1, 50):
        found = await db.fetchone("inbox_get", {"item_id": item_id})
        if found and found["delivery_key"].startswith("resume:"):
            rows.append(found)
    return rows


async def test_a_refund_waits_for_a_card_and_approve_refunds_once_and_answers(bot):
    await ask(bot, "refund order 1001 please, it arrived broken", THREAD)
    (card,) = await wait_cards(bot)

    assert card.channel == "C1" and card.thread_ts == THREAD
    assert "Refund order 1001 ($129.00)" in card.text and f"<@{REQUESTER}>" in card.text
    assert await order_state(bot, 1001) == ("delivered", 0)  # nothing happens before the decision
    assert (await row(bot, card))["status"] == "pending"

    assert await click(bot, card, APPROVER, APPROVE_ACTION) == 200
    await wait_text(bot.slack, "C1", THREAD, "Refunded order 1001: $129.00")
    await bot.idle()

    assert await order_state(bot, 1001) == ("refunded", 1)
    (update,) = card_updates(bot.slack, card)
    assert update["text"].startswith(f"Approved by <@{APPROVER}> at <!date^")
    assert not [b for b in update["blocks"] if b["type"] == "actions"]  # buttons removed
    decided = await row(bot, card)
    assert (decided["status"], decided["decided_by"]) == ("approved", APPROVER)
    trail = await audit(bot, card)
    assert [(a["action"], a["actor"], a["outcome"]) for a in trail] == [
        ("approval_requested", REQUESTER, "pending"), ("approval_approved", APPROVER, "approved")]
    assert trail[1]["args"] == {"order_id": 1001, "reason": "refund order 1001 please, it arrived broken"}
    assert [r["delivery_key"] for r in await resume_items(bot)] == [f"resume:{card.interrupt_id}"]


async def test_reject_tells_the_model_and_the_thread_and_refunds_nothing(bot):
    await ask(bot, "refund order 1001, I changed my mind", THREAD)
    (card,) = await wait_cards(bot)

    assert await click(bot, card, APPROVER, REJECT_ACTION) == 200
    answer = await wait_text(bot.slack, "C1", THREAD, "not approved")
    await bot.idle()

    assert f"Rejected by {APPROVER}" in answer and "not carried out" in answer
    assert await order_state(bot, 1001) == ("delivered", 0)
    (update,) = card_updates(bot.slack, card)
    assert update["text"].startswith(f"Rejected by <@{APPROVER}>")
    assert [a["action"] for a in await audit(bot, card)] == ["approval_requested", "approval_rejected"]


async def test_an_outsider_click_gets_an_explanation_and_changes_nothing(bot):
    await ask(bot, "refund order 1001 please", THREAD)
    (card,) = await wait_cards(bot)

    for action in (APPROVE_ACTION, REJECT_ACTION, EDIT_ACTION):
        assert await click(bot, card, OUTSIDER, action) == 200
    await bot.idle()

    told = ephemerals_to(bot.slack, OUTSIDER)
    assert len(told) == 3 and all(t.startswith("Only approvers can decide") for t in told)
    assert f"<@{APPROVER}>" in told[0]
    assert bot.slack.ephemerals[0]["channel"] == "C1"
    assert (await row(bot, card))["status"] == "pending"
    assert await order_state(bot, 1001) == ("delivered", 0)
    assert card_updates(bot.slack, card) == [] and bot.slack.calls_to("views.open") == []
    assert await resume_items(bot) == []
    assert [a["action"] for a in await audit(bot, card)] == ["approval_requested"] + ["approval_refused"] * 3


async def test_the_requester_cannot_approve_their_own_request(bot):
    await ask(bot, "refund order 1001 for me", THREAD, user=APPROVER)
    (card,) = await wait_cards(bot)

    assert await click(bot, card, APPROVER, APPROVE_ACTION) == 200
    await bot.idle()
    assert ephemerals_to(bot.slack, APPROVER) == [say.APPROVAL_SELF]
    assert (await row(bot, card))["status"] == "pending"
    assert await order_state(bot, 1001) == ("delivered", 0)

    assert await click(bot, card, OTHER_APPROVER, APPROVE_ACTION) == 200
    await wait_text(bot.slack, "C1", THREAD, "Refunded order 1001")
    assert await order_state(bot, 1001) == ("refunded", 1)


async def test_two_clicks_at_once_decide_once_and_refund_once(bot):
    await ask(bot, "refund order 1001 please", THREAD)
    (card,) = await wait_cards(bot)

    statuses = await asyncio.gather(
        click(bot, card, APPROVER, APPROVE_ACTION), click(bot, card, OTHER_APPROVER, APPROVE_ACTION),
        click(bot, card, APPROVER, APPROVE_ACTION))  # a double click, and a second approver at once
    await wait_text(bot.slack, "C1", THREAD, "Refunded order 1001")
    await bot.idle()

    assert statuses == [200, 200, 200]
    assert await order_state(bot, 1001) == ("refunded", 1)
    decisions = [a for a in await audit(bot, card) if a["action"] == "approval_approved"]
    assert len(decisions) == 1
    assert len(await resume_items(bot)) == 1
    losers = bot.slack.ephemerals
    assert len(losers) == 2 and all(e["text"].startswith("This request is no longer pending (approved by")
                                    for e in losers)
    assert len([t for t in thread_texts(bot.slack, "C1", THREAD) if "Refunded order 1001" in t]) == 1


async def test_a_click_on_a_decided_card_repairs_the_card_and_says_it_is_no_longer_pending(bot):
    await ask(bot, "refund order 1001 please", THREAD)
    (card,) = await wait_cards(bot)
    assert await click(bot, card, APPROVER, REJECT_ACTION) == 200
    await bot.idle()

    # A stale copy of the card (the redraw was lost): the click says so and redraws it.
    assert await click(bot, card, OTHER_APPROVER, APPROVE_ACTION, blocks=True) == 200
    await bot.idle()
    assert ephemerals_to(bot.slack, OTHER_APPROVER)[0].startswith("This request is no longer pending (rejected by")
    assert len(card_updates(bot.slack, card)) == 2
    assert await order_state(bot, 1001) == ("delivered", 0)


async def test_a_click_days_later_after_a_restart_resumes_the_paused_run(database_url, fake_slack):
    async with running_bot(database_url, fake_slack, None, supportbot_approvers=[APPROVER]) as first:
        await ask(first, "refund order 1001 please", THREAD)
        (card,) = await wait_cards(first)
    # Everything the click needs is in the database: a new process resumes the run.
    async with running_bot(database_url, fake_slack, None, supportbot_approvers=[APPROVER]) as second:
        assert await click(second, card, APPROVER, APPROVE_ACTION) == 200
        await wait_text(fake_slack, "C1", THREAD, "Refunded order 1001: $129.00")
        await second.idle()
        assert await order_state(second, 1001) == ("refunded", 1)
        assert len(card_updates(fake_slack, card)) == 1


async def test_a_member_of_the_approver_group_may_approve(database_url, fake_slack):
    fake_slack.usergroups["S0APPROVERS"] = ["UGROUP"]
    async with running_bot(database_url, fake_slack, None, supportbot_approver_group="S0APPROVERS") as bot:
        await ask(bot, "cancel order 1005 please", THREAD)
        (card,) = await wait_cards(bot)
        assert "Cancel order 1005 ($39.00)" in card.text

        assert await click(bot, card, OUTSIDER, APPROVE_ACTION) == 200
        assert await click(bot, card, "UGROUP", APPROVE_ACTION) == 200
        await wait_text(fake_slack, "C1", THREAD, "Cancelled order 1005")

        assert ephemerals_to(fake_slack, OUTSIDER)[0].startswith("Only approvers can decide")
        assert (await bot.service.agent.storage.db.fetchone("shop_get_order", {"order_id": 1005}))["status"] \
            == "cancelled"
        assert fake_slack.calls_to("usergroups.users.list")[0].params["usergroup"] == "S0APPROVERS"


async def test_without_any_approver_configured_nobody_can_decide(database_url, fake_slack):
    async with running_bot(database_url, fake_slack, None) as bot:
        await ask(bot, "refund order 1001 please", THREAD)
        (card,) = await wait_cards(bot)
        assert await click(bot, card, APPROVER, APPROVE_ACTION) == 200
        await bot.idle()
        assert ephemerals_to(fake_slack, APPROVER) == [say.APPROVAL_NO_APPROVERS]
        assert (await row(bot, card))["status"] == "pending"


async def test_the_card_goes_to_the_approval_channel_and_the_thread_says_it_waits(database_url, fake_slack):
    async with running_bot(database_url, fake_slack, None, supportbot_approvers=[APPROVER],
                           supportbot_approval_channel="CAPPROVALS") as bot:
        await ask(bot, "refund order 1001 please", THREAD)
        (card,) = await wait_cards(bot)

        assert (card.channel, card.thread_ts) == ("CAPPROVALS", None)
        assert "archives/C1/p100000001" in str(card.blocks)  # a link back to the conversation
        (note,) = thread_texts(fake_slack, "C1", THREAD)
        assert "asked for approval to *refund order 1001 ($129.00)*" in note and "<#CAPPROVALS>" in note
        assert (await row(bot, card))["card_channel"] == "CAPPROVALS"

        assert await click(bot, card, APPROVER, APPROVE_ACTION) == 200
        await wait_text(fake_slack, "C1", THREAD, "Refunded order 1001")
        (update,) = card_updates(fake_slack, card)
        assert update["channel"] == "CAPPROVALS" and ACTIONS_BLOCK not in str(update["blocks"])


async def test_a_click_on_a_card_whose_thread_was_forgotten_changes_nothing(bot):
    await ask(bot, "refund order 1001 please", THREAD)
    (card,) = await wait_cards(bot)
    await bot.service.agent.storage.db.execute("forget_approvals", {"thread_id": f"slack:T1:C1:{THREAD}"})

    assert await click(bot, card, APPROVER, APPROVE_ACTION) == 200
    await bot.idle()
    assert ephemerals_to(bot.slack, APPROVER) == [say.APPROVAL_NOT_PENDING.format(outcome="")]
    assert await order_state(bot, 1001) == ("delivered", 0) and await resume_items(bot) == []
