"""Approval scenarios: the real bot (Bolt, inbox, workers, graph) against the fake Slack.

A conversation asks for a risky action, the run pauses, a card is posted; tests
click its buttons with signed ``block_actions`` requests, as Slack would.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import pytest

from bot.approvals.card import ACTIONS_BLOCK, APPROVE_ACTION, button_value
from tests.slack.conftest import SECRET, running_bot
from tests.support.fixtures import database_fixture
from tests.support.slack_requests import (
    apost_event,
    apost_form,
    app_mention_event,
    block_actions_payload,
    event_callback,
    view_submission_payload,
)

APPROVER, OTHER_APPROVER, REQUESTER, OUTSIDER = "UAPP", "UAPP2", "U1", "UOUT"

__all__ = ["running_bot", "SECRET"]


database_url = database_fixture("sqlite", "postgres")


@pytest.fixture
async def bot(database_url, fake_slack):
    """The offline demo model (no OpenAI key); UAPP and UAPP2 may approve."""
    async with running_bot(database_url, fake_slack, None, supportbot_approvers=[APPROVER, OTHER_APPROVER]) as running:
        yield running


@dataclass(frozen=True)
class Card:
    channel: str
    ts: str
    thread_ts: str | None
    interrupt_id: str
    text: str
    blocks: list


def cards(fake_slack) -> list[Card]:
    """Every approval card posted so far (chat.postMessage with our action buttons)."""
    found = []
    for call in fake_slack.calls_to("chat.postMessage"):
        interrupt_id = button_value(call.params.get("blocks") or [], APPROVE_ACTION)
        if interrupt_id and call.ok:
            # The outbox key in the message metadata names the card's message.
            ts = next(m["ts"] for m in fake_slack.messages(call.params["channel"])
                      if m.get("metadata") == call.params["metadata"])
            found.append(Card(call.params["channel"], ts, call.params.get("thread_ts"), interrupt_id,
                              call.params["text"], call.params["blocks"]))
    return found


async def wait_cards(bot, n: int = 1, timeout: float = 10) -> list[Card]:
    await bot.slack.await_until(lambda: len(cards(bot.slack)) >= n, timeout)
    await bot.idle(timeout)
    return cards(bot.slack)


async def ask(bot, text: str, ts: str, user: str = REQUESTER, channel: str = "C1") -> None:
    status, _ = await apost_event(bot.events_url, SECRET, event_callback(app_mention_event(channel, user, text, ts)))
    assert status == 200


async def click(bot, card: Card, user: str, action_id: str, *, blocks: bool = False) -> int:
    extra = {"message": {"type": "message", "ts": card.ts, "bot_id": "BBOT", "text": card.text,
                         "blocks": card.blocks}} if blocks else {}
    body = block_actions_payload(user, action_id, card.interrupt_id, card.channel, card.ts,
                                 thread_ts=card.thread_ts, block_id=ACTIONS_BLOCK, **extra)
    status, _ = await apost_form(bot.events_url, SECRET, body)
    return status


async def submit_edit(bot, user: str, view: dict, values: dict) -> tuple[int, str]:
    """Submit the modal the bot opened, with {block_id: new text} for the inputs given."""
    state = {block: {"value": text} for block, text in values.items()}
    body = view_submission_payload(user, view["callback_id"], view["private_metadata"], state)
    return await apost_form(bot.events_url, SECRET, body)


def thread_texts(fake_slack, channel: str, thread_ts: str) -> list[str]:
    return [m.get("text", "") for m in fake_slack.messages(channel, thread_ts) if m.get("bot_id")]


async def wait_text(fake_slack, channel: str, thread_ts: str, needle: str, timeout: float = 10) -> str:
    return await fake_slack.await_until(
        lambda: next((t for t in thread_texts(fake_slack, channel, thread_ts) if needle in t), None), timeout)


def ephemerals_to(fake_slack, user: str) -> list[str]:
    return [e["text"] for e in fake_slack.ephemerals if e.get("user") == user]


def card_updates(fake_slack, card: Card) -> list[dict]:
    return [c.params for c in fake_slack.calls_to("chat.update") if c.params.get("ts") == card.ts]


async def row(bot, card: Card) -> dict:
    return await bot.service.agent.storage.db.fetchone("approval_get", {"interrupt_id": card.interrupt_id})


async def order_state(bot, order_id: int) -> tuple[str, int]:
    db = bot.service.agent.storage.db
    status = (await db.fetchone("shop_get_order", {"order_id": order_id}))["status"]
    return status, (await db.fetchone("shop_count_refunds", {"order_id": order_id}))["n"]


async def audit(bot, card: Card) -> list[dict]:
    found = await row(bot, card)
    trail = await bot.service.agent.storage.db.fetchall("audit_for_approval", {"approval_id": found["approval_id"]})
    return [{**a, "args": json.loads(a["args"]) if a["args"] else None} for a in trail]


def now() -> float:
    return time.time()
