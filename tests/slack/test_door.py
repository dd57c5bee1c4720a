"""The door of /slack/events: nothing unauthenticated is read, stored, decided or logged.

Socket Mode without a signing secret serves no /slack/events at all; with one,
requests are verified as in HTTP mode. A forged request is refused (401)
before its body is parsed, and a flood of them is logged once per source.
"""

from __future__ import annotations

import json
import logging

import aiohttp
import pytest

from bot.approvals.card import ACTIONS_BLOCK, APPROVE_ACTION
from tests.slack.conftest import SECRET, running_bot
from tests.support.slack_requests import (
    FORM,
    JSON,
    apost,
    apost_event,
    app_mention_event,
    block_actions_payload,
    event_callback,
    message_event,
)

UNSIGNED = {"X-Slack-Signature": None, "X-Slack-Request-Timestamp": None}


async def _open_items(bot) -> int:
    return int((await bot.service.agent.storage.db.fetchone("inbox_depth"))["depth"])


async def _get(url: str) -> int:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status


def _dm(text: str, ts: str) -> str:
    return json.dumps(event_callback(message_event("D1", "U1", text, ts, channel_type="im")))


def _click(value: str) -> str:
    return block_actions_payload("UAPP", APPROVE_ACTION, value, "C1", "500.000009", block_id=ACTIONS_BLOCK)


async def test_socket_mode_without_signing_secret_serves_no_slack_events(database_url, fake_slack):
    async with running_bot(database_url, fake_slack, None, slack_signing_secret=None,
                           slack_app_token="xapp-test", supportbot_approvers=["UAPP"]) as bot:
        status, _ = await apost(bot.events_url, SECRET, _dm("refund order 1001", "500.000001"), JSON,
                                headers_override=UNSIGNED)
        assert status == 404
        # A "signed" one too: there is no secret it could be checked against.
        status, _ = await apost(bot.events_url, SECRET, _dm("refund order 1001", "500.000002"), JSON)
        assert status == 404
        status, _ = await apost(bot.events_url, SECRET, _click("any-interrupt"), FORM, headers_override=UNSIGNED)
        assert status == 404
        assert await _open_items(bot) == 0
        assert await bot.service.agent.storage.db.fetchall("approvals_recent", {"limit": 10}) == []
        assert fake_slack.calls_to("chat.postMessage") == []
        assert await _get(f"{bot.url}/healthz") == 200
        assert await _get(f"{bot.url}/readyz") == 200
        assert await _get(f"{bot.url}/metrics") == 200


async def test_socket_mode_with_signing_secret_verifies_http_requests(database_url, fake_slack):
    async with running_bot(database_url, fake_slack, None, slack_app_token="xapp-test") as bot:
        status, _ = await apost(bot.events_url, SECRET, _dm("hello", "501.000001"), JSON, headers_override=UNSIGNED)
        assert status == 401
        status, _ = await apost(bot.events_url, SECRET, _click("any-interrupt"), FORM, headers_override=UNSIGNED)
        assert status == 401
        assert await _open_items(bot) == 0
        status, _ = await apost_event(bot.events_url, SECRET,
                                      event_callback(app_mention_event("C1", "U1", "where is order 1001?", "501.000002")))
        assert status == 200
        await bot.idle()
        assert len(fake_slack.calls_to("chat.postMessage")) == 1


@pytest.mark.parametrize("body", ["[1,2]", "null", "[" * 5000 + "]" * 5000, '{"type": "event_callback"'])
async def test_unsigned_odd_bodies_get_401_not_500(bot, body):
    status, text = await apost(bot.events_url, SECRET, body, JSON, headers_override=UNSIGNED)
    assert status == 401 and "Traceback" not in text
    status, _ = await apost(bot.events_url, "not-the-secret", body, JSON)
    assert status == 401


@pytest.mark.parametrize("body", ["[1,2]", "null", "[" * 5000 + "]" * 5000])
async def test_signed_odd_bodies_get_400_and_the_app_keeps_serving(bot, body):
    status, text = await apost(bot.events_url, SECRET, body, JSON)
    assert status == 400 and "Traceback" not in text
    status, _ = await apost_event(bot.events_url, SECRET,
                                  event_callback(app_mention_event("C1", "U1", "still there?", "502.000001")))
    assert status == 200


async def test_a_flood_of_forged_requests_is_logged_once_without_bodies(bot, caplog):
    caplog.set_level(logging.INFO)
    canary = "canary-forged-text-7f3a"
    big = json.dumps(event_callback(message_event("D1", "U1", canary + "x" * 500_000, "503.000001",
                                                  channel_type="im")))
    for _ in range(20):
        status, _ = await apost(bot.events_url, "not-the-secret", big, JSON)
        assert status == 401
    refusals = [r for r in caplog.records if "refused" in r.getMessage()]
    assert len(refusals) == 1
    assert canary not in caplog.text
    assert sum(len(r.getMessage()) for r in caplog.records) < 10_000
    assert await _open_items(bot) == 0
