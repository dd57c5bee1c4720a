"""Issue 13 part 1: every pause reaches a human, and no decision leaves the thread held."""

from __future__ import annotations

from bot.approvals.card import APPROVE_ACTION, EDIT_ACTION
from bot.threads import message_id
from graph.agent import human_message
from graph.state import RunContext
from bot.approvals.edit import ARG_BLOCK
from tests.approvals.conftest import (
    APPROVER,
    REQUESTER,
    SECRET,
    ask,
    click,
    order_state,
    row,
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
    assert (await row(bot, card))["status"] == "approved"
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
