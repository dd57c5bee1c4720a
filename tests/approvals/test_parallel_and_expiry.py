"""Two risky tool calls in one turn pause separately; overdue approvals expire and the model is told."""

from __future__ import annotations

from bot.approvals.card import APPROVE_ACTION, REJECT_ACTION
from tests.approvals.conftest import (
    APPROVER,
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
from tests.fakes.openai_server import Reply

THREAD = "500.000001"


async def test_two_parallel_risky_calls_get_two_cards_and_the_run_goes_on_when_both_are_decided(
        database_url, fake_slack, fake_openai):
    fake_openai.queue(Reply(tool_calls=[
        {"name": "refund_order", "args": {"order_id": 1001, "reason": "broken"}, "id": "call_refund"},
        {"name": "cancel_order", "args": {"order_id": 1005, "reason": "not needed"}, "id": "call_cancel"},
    ]))
    async with running_bot(database_url, fake_slack, fake_openai, supportbot_approvers=[APPROVER]) as bot:
        await ask(bot, "refund 1001 and cancel 1005", THREAD)
        refund_card, cancel_card = sorted(await wait_cards(bot, 2), key=lambda c: "Cancel" in c.text)
        assert "Refund order 1001 ($129.00)" in refund_card.text and "Cancel order 1005 ($39.00)" in cancel_card.text
        assert refund_card.interrupt_id != cancel_card.interrupt_id
        assert fake_openai.calls == 1

        assert await click(bot, refund_card, APPROVER, APPROVE_ACTION) == 200
        await bot.idle()
        # The approved call ran; the turn waits for the other decision before the model goes on.
        assert await order_state(bot, 1001) == ("refunded", 1)
        assert fake_openai.calls == 1
        assert len(await wait_cards(bot, 2)) == 2  # the remaining card was not posted again
        assert not [t for t in thread_texts(fake_slack, "C1", THREAD) if t.startswith("tool said")]

        assert await click(bot, cancel_card, APPROVER, REJECT_ACTION) == 200
        await wait_text(fake_slack, "C1", THREAD, "tool said")
        await bot.idle()

        assert fake_openai.calls == 2
        tool_results = [m for m in fake_openai.requests[-1]["messages"] if m["role"] == "tool"]
        assert [m["tool_call_id"] for m in tool_results] == ["call_refund", "call_cancel"]
        assert tool_results[0]["content"].startswith("Refunded order 1001")
        assert tool_results[1]["content"].startswith(f"Rejected by {APPROVER}")
        assert (await bot.service.agent.storage.db.fetchone("shop_get_order", {"order_id": 1005}))["status"] \
            == "processing"
        assert await order_state(bot, 1001) == ("refunded", 1)
        assert [(await row(bot, c))["status"] for c in (refund_card, cancel_card)] == ["approved", "rejected"]


async def test_an_overdue_approval_expires_the_card_says_so_and_the_model_is_told(database_url, fake_slack):
    async with running_bot(database_url, fake_slack, None, supportbot_approvers=[APPROVER],
                           supportbot_approval_ttl=1) as bot:
        await ask(bot, "refund order 1001 please", THREAD)
        (card,) = await wait_cards(bot)
        assert "Expires <!date^" in str(card.blocks)

        answer = await wait_text(fake_slack, "C1", THREAD, "not approved", timeout=10)
        await bot.idle()

        assert "expired: nobody decided within 1 second" in answer
        assert await order_state(bot, 1001) == ("delivered", 0)
        assert (await row(bot, card))["status"] == "expired"
        (update,) = card_updates(fake_slack, card)
        assert update["text"].startswith("Expired at") and "actions" not in str(update["blocks"])
        assert [a["action"] for a in await audit(bot, card)] == ["approval_requested", "approval_expired"]

        assert await click(bot, card, APPROVER, APPROVE_ACTION) == 200
        await bot.idle()
        assert ephemerals_to(fake_slack, APPROVER)[0].startswith("This request is no longer pending (expired")
        assert await order_state(bot, 1001) == ("delivered", 0)
