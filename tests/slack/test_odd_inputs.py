"""Inputs Slack can send are answered: text PostgreSQL would refuse, and requests no listener claims."""

from __future__ import annotations

import json

from slack_bolt.request.async_request import AsyncBoltRequest

from bot.listeners.fallback import scrub_body
from bot.storable import storable
from tests.slack.conftest import SECRET
from tests.support.slack_requests import (
    apost,
    apost_event,
    apost_form,
    block_actions_payload,
    event_callback,
    interactive_body,
    message_event,
    slash_command,
    view_submission_payload,
)


def test_storable_removes_nul_and_replaces_lone_surrogates_everywhere_in_a_payload():
    body = {"event": {"text": "a\x00b", "blocks": [{"text": "caf\ud800e"}]}, "k\x00": 1, "n": None}
    assert storable(body) == {"event": {"text": "ab", "blocks": [{"text": "caf\ufffde"}]}, "k": 1, "n": None}
    assert storable("plain é 🎉") == "plain é 🎉"


async def test_the_scrub_walks_a_body_only_when_its_text_may_hold_what_postgres_refuses():
    async def passed():
        return None

    for text, walked in (("plain é", False), ("a\x00b", True), ("caf\udc80e", True), ("🎉", True)):
        req = AsyncBoltRequest(body=json.dumps({"event": {"text": text}}),
                               headers={"content-type": ["application/json"]})
        parsed = req.body
        await scrub_body(req, passed)
        assert (req.body is not parsed) == walked, text
        assert "\x00" not in req.body["event"]["text"] and "\udc80" not in req.body["event"]["text"]
    # Socket Mode hands Bolt a parsed payload (no raw text): always walked.
    req = AsyncBoltRequest(body={"event": {"text": "a\x00b"}}, mode="socket_mode")
    await scrub_body(req, passed)
    assert req.body == {"event": {"text": "ab"}}


async def test_a_message_with_nul_and_a_lone_surrogate_is_answered_normally(bot):
    status, _ = await apost_event(bot.events_url, SECRET, event_callback(
        message_event("D1", "U1", "order\x00 1001 caf\udc80e", "500.000001", channel_type="im")))
    assert status == 200
    await bot.idle()
    (answer,) = bot.slack.calls_to("chat.postMessage")
    assert answer.params["text"] == "echo: order 1001 caf\ufffde"


async def test_requests_no_listener_handles_are_acknowledged_and_store_nothing(bot):
    # Bolt's default for these is 404, which Slack counts as a failed delivery and retries.
    for event in ({"type": "reaction_added", "user": "U1", "reaction": "tada", "item": {"type": "message"}},
                  {"type": "member_joined_channel", "user": "U1", "channel": "C1"},
                  {"type": "channel_rename", "channel": {"id": "C1", "name": "new"}},
                  {"type": "foo_bar"}):
        assert (await apost_event(bot.events_url, SECRET, event_callback(event)))[0] == 200, event["type"]
    rate_limited = {"token": "t", "type": "app_rate_limited", "team_id": "T1", "minute_rate_limited": 1,
                    "api_app_id": "A1"}
    assert (await apost(bot.events_url, SECRET, json.dumps(rate_limited)))[0] == 200
    interactions = (
        block_actions_payload("U1", "a_url_button", "", "C1", "500.000002"),
        view_submission_payload("U1", "someone_elses_modal", "", {}),
        interactive_body({"type": "shortcut", "callback_id": "unknown_shortcut", "trigger_id": "t1",
                          "user": {"id": "U1"}, "team": {"id": "T1"}, "token": "t"}),
        slash_command("/unknown", "hello", "U1", "C1"),
    )
    for body in interactions:
        assert (await apost_form(bot.events_url, SECRET, body))[0] == 200, body[:60]
    assert await bot.service.inbox.depth() == (0, None)
    await bot.idle()
    assert bot.slack.calls_to("chat.postMessage") == []
