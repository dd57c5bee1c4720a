"""Trust boundaries through the real bot: signed requests in, the fake Slack's users.info
(UADA owns 1001/1002, UALAN 1003, UGRACE 1004/1005, UGUEST has no email) and the demo model.

U1 is staff (tests/slack/conftest.py); UAPP and UAPP2 approve.
"""

from __future__ import annotations

import json

from bot.approvals.card import APPROVE_ACTION, EDIT_ACTION
from bot.approvals.edit import ARG_BLOCK, NOTE_BLOCK
from tests.approvals.conftest import (
    APPROVER,
    ask,
    card_updates,
    cards,
    click,
    ephemerals_to,
    order_state,
    row,
    submit_edit,
    thread_texts,
    wait_cards,
    wait_text,
)


def _said(bot, thread: str) -> str:
    return "\n".join(thread_texts(bot.slack, "C1", thread))


async def test_a_customer_asking_about_someone_elses_order_learns_nothing(bot):
    await ask(bot, "where is order 1003?", "600.000001", user="UADA")
    await ask(bot, "refund order 1004 please", "600.000002", user="UADA")
    await ask(bot, "cancel order 1003", "600.000003", user="UADA")
    await bot.idle()
    assert cards(bot.slack) == []
    for thread, order in (("600.000001", 1003), ("600.000002", 1004), ("600.000003", 1003)):
        said = _said(bot, thread)
        assert f"I can't find order {order} on your account" in said
        for secret in ("Alan", "alan@", "Grace", "grace@", "headphones", "monitor", "processing", "delivered"):
            assert secret not in said
    assert await order_state(bot, 1004) == ("delivered", 0)
    assert await order_state(bot, 1003) == ("processing", 0)
    assert bot.slack.calls_to("users.info")  # the identity came from Slack, not from the message
    assert len({c.params["user"] for c in bot.slack.calls_to("users.info")}) == len(bot.slack.calls_to("users.info"))


async def test_a_customer_refunding_their_own_order_gets_a_card_naming_them_with_a_confirm(bot):
    await ask(bot, "refund order 1001, it arrived broken", "601.000001", user="UADA")
    (card,) = await wait_cards(bot)
    text = json.dumps(card.blocks)
    assert "Ada Lovelace (ada@example.com)" in text and "<@UADA>" in text
    (approve,) = [e for b in card.blocks if b["type"] == "actions" for e in b["elements"]
                  if e["action_id"] == APPROVE_ACTION]
    assert approve["confirm"]["text"]["text"] == "Refund order 1001 ($129.00)?"
    assert approve["confirm"]["confirm"]["text"] == "Approve"
    assert await click(bot, card, APPROVER, APPROVE_ACTION) == 200
    await wait_text(bot.slack, "C1", "601.000001", "Refunded order 1001: $129.00")
    assert await order_state(bot, 1001) == ("refunded", 1)


async def test_staff_look_up_any_order_and_their_cards_keep_customer_details_off_the_thread(bot):
    await ask(bot, "where is order 1003?", "602.000001", user="U1")
    await wait_text(bot.slack, "C1", "602.000001", "Alan Turing (alan@example.com)")
    await ask(bot, "refund order 1004, damaged", "602.000002", user="U1")
    (card,) = await wait_cards(bot)
    assert "grace@example.com" not in json.dumps(card.blocks)  # the card sits in a shared thread


async def test_the_approval_channel_card_names_whose_order_it_is(database_url, fake_slack):
    from tests.approvals.conftest import running_bot

    async with running_bot(database_url, fake_slack, None, supportbot_approvers=[APPROVER],
                           supportbot_approval_channel="CAPPROVALS") as bot:
        await ask(bot, "refund order 1004, damaged", "603.000001", user="U1")
        (card,) = await wait_cards(bot)
        assert card.channel == "CAPPROVALS"
        assert "Grace Hopper (grace@example.com)" in json.dumps(card.blocks)


async def test_a_guest_with_no_email_can_talk_but_order_tools_offer_a_ticket(bot):
    await ask(bot, "where is order 1001?", "604.000001", user="UGUEST")
    await ask(bot, "refund order 1001", "604.000002", user="UGUEST")
    await bot.idle()
    assert cards(bot.slack) == []
    for thread in ("604.000001", "604.000002"):
        said = _said(bot, thread)
        assert "couldn't verify your account" in said and "ticket" in said
        assert "Ada" not in said and "keyboard" not in said
    await ask(bot, "please open a ticket, my parcel is broken", "604.000003", user="UGUEST")
    await wait_text(bot.slack, "C1", "604.000003", "Ticket #")


async def test_actions_that_cannot_succeed_are_answered_at_once_without_a_card(bot):
    await ask(bot, "refund order 1003", "605.000001", user="UALAN")  # still processing
    await ask(bot, "cancel order 1004", "605.000002", user="UGRACE")  # delivered
    await bot.idle()
    assert cards(bot.slack) == []
    assert "only shipped or delivered orders can be refunded" in _said(bot, "605.000001")
    assert "only orders still processing can be cancelled" in _said(bot, "605.000002")
    assert (await bot.service.agent.storage.db.fetchone("approvals_pending_count"))["n"] == 0


async def test_a_click_carrying_another_cards_approval_id_is_refused(bot):
    await ask(bot, "refund order 1001", "606.000001", user="UADA")
    await ask(bot, "refund order 1002", "606.000002", user="UADA")
    first, second = await wait_cards(bot, 2)
    forged = first.__class__(**{**vars(first), "interrupt_id": second.interrupt_id})
    assert await click(bot, forged, APPROVER, APPROVE_ACTION) == 200
    await bot.idle()
    assert (await row(bot, second))["status"] == "pending"
    assert await order_state(bot, 1002) == ("shipped", 0)
    assert any("doesn't belong to this request" in t for t in ephemerals_to(bot.slack, APPROVER))


async def test_the_edit_modal_rechecks_ownership_validation_and_note_size(bot):
    await ask(bot, "refund order 1002", "607.000001", user="UADA")
    (card,) = await wait_cards(bot)
    assert await click(bot, card, APPROVER, EDIT_ACTION) == 200
    (opened,) = await bot.slack.await_calls("views.open")
    view = opened.params["view"]
    order_block = ARG_BLOCK + "order_id"
    for value, problem in (("1010", "I can't find order 1010 on your account"), ("-1", "greater than 0"),
                           ("true", "whole number"), ("1003", "I can't find order 1003")):
        status, body = await submit_edit(bot, APPROVER, view, {order_block: value})
        assert status == 200 and problem in json.loads(body)["errors"][order_block], (value, body)
    status, body = await submit_edit(bot, APPROVER, view, {NOTE_BLOCK: "x" * 200_000})
    assert status == 200 and "up to 2,000 characters" in json.loads(body)["errors"][NOTE_BLOCK]
    await bot.idle()
    assert (await row(bot, card))["status"] == "pending" and (await row(bot, card))["note"] is None
    assert await order_state(bot, 1010) == ("shipped", 0)
    assert card_updates(bot.slack, card) == []
