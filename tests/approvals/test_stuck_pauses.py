"""Issue 13 part 1: every pause reaches a human, and no decision leaves the thread held."""

from __future__ import annotations

import io
import time
from argparse import Namespace

from bot.approvals.card import APPROVE_ACTION, EDIT_ACTION
from bot.approvals.pauses import card_retry_delay
from bot.approvals.reconcile import SETTLE_SECONDS
from bot.approvals.store import ApprovalStore
from bot.cli import approvals as approvals_command
from bot.threads import message_id
from graph.agent import human_message
from graph.state import RunContext
from bot.approvals.edit import ARG_BLOCK
from tests.approvals.conftest import (
    APPROVER,
    REQUESTER,
    SECRET,
    ask,
    audit,
    card_updates,
    cards,
    click,
    order_state,
    row,
    running_bot,
    submit_edit,
    thread_texts,
    wait_cards,
    wait_text,
)
from tests.support.slack_requests import apost_event, app_mention_event, event_callback

THREAD = "700.000001"


async def reply(bot, text: str, ts: str, thread: str = THREAD) -> None:
    event = event_callback(app_mention_event("C1", REQUESTER, text, ts, thread_ts=thread))
    assert (await apost_event(bot.events_url, SECRET, event))[0] == 200


async def test_an_approved_edit_the_tool_fails_on_is_told_to_the_model_and_releases_the_held_message(bot):
    await bot.service.agent.storage.db.execute("refund_trap")  # the shop refuses refunds of order 1002
    await ask(bot, "refund order 1001, it arrived broken", THREAD)
    (card,) = await wait_cards(bot)
    assert await click(bot, card, APPROVER, EDIT_ACTION) == 200
    (opened,) = await bot.slack.await_calls("views.open")
    await reply(bot, "what is the status of order 1003?", "700.000002")
    await wait_text(bot.slack, "C1", THREAD, "waiting for someone to approve")

    status, body = await submit_edit(bot, APPROVER, opened.params["view"], {
        ARG_BLOCK + "order_id": "1002", ARG_BLOCK + "reason": "customer meant the hub"})
    assert (status, body) == (200, "")
    await wait_text(bot.slack, "C1", THREAD, "1003")
    await bot.idle()

    messages = (await bot.service.agent.graph.aget_state(
        {"configurable": {"thread_id": f"slack:T1:C1:{THREAD}"}})).values["messages"]
    failed = [m for m in messages if m.type == "tool" and m.name == "refund_order"]
    assert len(failed) == 1 and failed[0].status == "error" and "failed when carried out" in failed[0].content
    assert "1003" in messages[-1].content  # the held message was answered after the failed action
    assert await order_state(bot, 1002) == ("shipped", 0) and await order_state(bot, 1001) == ("delivered", 0)
    decided = await row(bot, card)
    assert (decided["status"], decided["action_error"]) == ("approved", failed[0].artifact["failed"])
    # The card no longer reads as a plain "Approved with changes".
    assert "but it failed when carried out" in card_updates(bot.slack, card)[-1]["text"]
    assert [a["action"] for a in await audit(bot, card)][-1] == "approval_action_failed"
    answers = thread_texts(bot.slack, "C1", THREAD)
    assert any("failed when carried out" in t for t in answers)  # the demo model repeats the tool result


async def test_a_run_resumed_with_a_new_message_waiting_posts_its_card_and_holds_the_message(bot):
    # The first run stopped after the model asked for the refund (a crash, a model outage):
    # its checkpoint is mid-run, and the retry comes with the customer's next message.
    config = {"configurable": {"thread_id": f"slack:T1:C1:{THREAD}"},
              "metadata": {"slack_user": REQUESTER, "slack_ts": THREAD}}  # as bot/turn.py writes them
    context = RunContext(requester=REQUESTER, staff=True, source={"team": "T1", "channel": "C1", "thread_ts": THREAD})
    first = human_message("refund order 1001, it arrived broken", message_id("T1", "C1", THREAD))
    await bot.service.agent.graph.ainvoke({"messages": [first]}, config, context=context, interrupt_after=["agent"])
    assert (await bot.service.agent.graph.aget_state(config)).next  # the refund is yet to run

    await reply(bot, "what is the status of order 1003?", "700.000002")
    (card,) = await wait_cards(bot)
    assert (await row(bot, card))["status"] == "pending" and "Refund order 1001" in card.text
    await wait_text(bot.slack, "C1", THREAD, "waiting for someone to approve")

    assert await click(bot, card, APPROVER, APPROVE_ACTION) == 200
    await wait_text(bot.slack, "C1", THREAD, "Refunded order 1001")
    await wait_text(bot.slack, "C1", THREAD, "Order 1003")
    await bot.idle()
    assert await order_state(bot, 1001) == ("refunded", 1)


async def test_a_card_slack_refuses_is_listed_told_to_the_requester_and_posted_by_the_periodic_retry(
        database_url, fake_slack, caplog):
    async with running_bot(database_url, fake_slack, None, supportbot_approvers=[APPROVER],
                           supportbot_approval_channel="CAPPROVALS") as bot:
        assert "approvals-reconcile" in [t.get_name() for t in bot.service.side_tasks]
        fake_slack.fail_next("chat.postMessage", error="not_in_channel")
        await ask(bot, "refund order 1001 please", THREAD)
        told = await wait_text(fake_slack, "C1", THREAD, "couldn't post the approval request")
        await bot.idle()

        assert cards(fake_slack) == [] and "refund order 1001 ($129.00)" in told
        (pending,) = await bot.service.approvals.store.pending()
        assert (pending.card_ts, pending.card_error) == (None, "not_in_channel")
        out = io.StringIO()
        assert await approvals_command.run(Namespace(all=False, json=False, limit=50), bot.service.settings, out) == 0
        assert "pending, card not posted: not_in_channel" in out.getvalue()
        (warning,) = [r.getMessage() for r in caplog.records if "approval card not posted" in r.getMessage()]
        assert "invite the bot to <#CAPPROVALS>" in warning and "SUPPORTBOT_APPROVAL_CHANNEL" in warning

        reconciler = bot.service.reconciler
        assert await reconciler.step() == []  # not before its back-off is over
        reconciler.clock = lambda: time.time() + card_retry_delay(1) + SETTLE_SECONDS
        assert await reconciler.step() == [f"slack:T1:C1:{THREAD}"]
        (card,) = await wait_cards(bot)
        assert card.channel == "CAPPROVALS" and await reconciler.step() == []
        assert (await bot.service.approvals.store.get(card.interrupt_id)).card_error is None
        await wait_text(fake_slack, "C1", THREAD, "<#CAPPROVALS>")  # the thread now says where the card is

        assert await click(bot, card, APPROVER, APPROVE_ACTION) == 200
        await wait_text(fake_slack, "C1", THREAD, "Refunded order 1001")
        await bot.idle()
        texts = thread_texts(fake_slack, "C1", THREAD)
        assert sum("couldn't post the approval request" in t for t in texts) == 1


async def test_messages_held_behind_a_decision_whose_resume_was_given_up_are_released_by_the_reconciler(bot):
    await ask(bot, "refund order 1001, it arrived broken", THREAD)
    (card,) = await wait_cards(bot)
    await reply(bot, "what is the status of order 1003?", "700.000002")
    await wait_text(bot.slack, "C1", THREAD, "waiting for someone to approve")
    await bot.idle()
    # Decided, but no resume item (as when its resume was given up): nothing would ever run again.
    assert await ApprovalStore(bot.service.agent.storage.db, inbox=None).decide(
        card.interrupt_id, approve=True, by=APPROVER) is not None

    reconciler = bot.service.reconciler
    reconciler.clock = lambda: time.time() + SETTLE_SECONDS
    assert await reconciler.step() == [f"slack:T1:C1:{THREAD}"]
    await wait_text(bot.slack, "C1", THREAD, "Refunded order 1001")
    await wait_text(bot.slack, "C1", THREAD, "Order 1003")
    await bot.idle()
    assert await order_state(bot, 1001) == ("refunded", 1) and await reconciler.step() == []
