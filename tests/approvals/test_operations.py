"""Failure before the ack, and the operator's view (``supportbot approvals``)."""

from __future__ import annotations

import io
import json
from argparse import Namespace

from bot.approvals.card import APPROVE_ACTION
from bot.cli import approvals as command
from tests.approvals.conftest import APPROVER, ask, audit, click, order_state, row, wait_cards, wait_text

THREAD = "600.000001"


async def test_a_failure_inside_the_decision_rolls_it_back_answers_500_and_the_resent_click_decides(bot):
    await ask(bot, "refund order 1001 please", THREAD)
    (card,) = await wait_cards(bot)
    store = bot.service.approvals.store

    async def inbox_down(*args, **kwargs):
        raise RuntimeError("database went away")

    store.inbox.enqueue = inbox_down  # fails after the UPDATE and the audit row, inside their transaction
    try:
        assert await click(bot, card, APPROVER, APPROVE_ACTION) == 500  # no ack: Slack shows an error
    finally:
        del store.inbox.enqueue
    await bot.idle()
    assert (await row(bot, card))["status"] == "pending"  # rolled back with the failed enqueue
    assert [a["action"] for a in await audit(bot, card)] == ["approval_requested"]
    assert bot.slack.calls_to("chat.update") == [] and bot.slack.ephemerals == []

    assert await click(bot, card, APPROVER, APPROVE_ACTION) == 200
    await wait_text(bot.slack, "C1", THREAD, "Refunded order 1001")
    assert await order_state(bot, 1001) == ("refunded", 1)


async def test_the_approvals_command_lists_pending_ones_and_with_all_the_decided(bot):
    settings = bot.service.settings

    async def listing(**flags) -> str:
        out = io.StringIO()
        assert await command.run(Namespace(**{"all": False, "json": False, "limit": 50, **flags}), settings, out) == 0
        return out.getvalue()

    assert await listing() == "No approvals are waiting for a decision.\n"
    await ask(bot, "refund order 1001 please", THREAD)
    (card,) = await wait_cards(bot)

    table = await listing()
    header, line = table.splitlines()
    assert header.split()[:4] == ["ID", "STATUS", "AGE", "TOOL"]
    assert "pending" in line and "Refund order 1001 ($129.00)" in line and "U1" in line and THREAD in line
    (listed,) = json.loads(await listing(json=True))
    assert (listed["interrupt_id"], listed["args"]["order_id"], listed["status"]) == (card.interrupt_id, 1001, "pending")

    assert await click(bot, card, APPROVER, APPROVE_ACTION) == 200
    await bot.idle()
    assert await listing() == "No approvals are waiting for a decision.\n"
    (decided,) = json.loads(await listing(all=True, json=True))
    assert (decided["status"], decided["decided_by"]) == ("approved", APPROVER)
    assert "approved" in (await listing(all=True)).splitlines()[1]
