"""What Slack would send the app, built and signed as Slack does, and posted to it.

Events are JSON envelopes; interactivity (``block_actions``, ``view_submission``,
``message_action``) is a form with one ``payload`` field; slash commands a plain
form. Each is signed with the v0 scheme (``slack_sdk.signature``) over the exact
body sent, so the Bolt app verifies it like any request from Slack.
"""

from __future__ import annotations

import itertools
import json
import time
import urllib.parse

import aiohttp
from slack_sdk.signature import SignatureVerifier

from bot.playground.people import APP_ID, BOT_USER, TEAM_ID, person

JSON, FORM = "application/json", "application/x-www-form-urlencoded"
_event_ids = itertools.count(1)


def envelope(event: dict) -> dict:
    return {"token": "playground", "team_id": TEAM_ID, "context_team_id": TEAM_ID, "api_app_id": APP_ID,
            "event": event, "type": "event_callback", "event_id": f"EvPLAY{time.time_ns()}{next(_event_ids)}",
            "event_time": int(time.time()), "is_ext_shared_channel": False,
            "authorizations": [{"enterprise_id": None, "team_id": TEAM_ID, "user_id": BOT_USER, "is_bot": True,
                                "is_enterprise_install": False}]}


def message_event(channel: str, user: str, text: str, ts: str, thread_ts: str | None, channel_type: str) -> dict:
    event = {"type": "message", "channel": channel, "user": user, "text": text, "ts": ts, "event_ts": ts,
             "channel_type": channel_type, "team": TEAM_ID}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def app_mention_event(message: dict) -> dict:
    event = {k: v for k, v in message.items() if k != "channel_type"}
    return {**event, "type": "app_mention"}


def app_home_opened_event(user: str, dm: str, view: dict | None) -> dict:
    event = {"type": "app_home_opened", "user": user, "channel": dm, "tab": "home",
             "event_ts": f"{time.time():.6f}"}
    if view is not None:
        event["view"] = view
    return event


def assistant_thread_started_event(user: str, dm: str, thread_ts: str) -> dict:
    return {"type": "assistant_thread_started", "event_ts": f"{time.time():.6f}",
            "assistant_thread": {"user_id": user, "context": {}, "channel_id": dm, "thread_ts": thread_ts}}


def _user(user: str) -> dict:
    found = person(user)
    name = found.name if found else user.lower()
    return {"id": user, "username": name, "name": name, "team_id": TEAM_ID}


def _common(kind: str, user: str, trigger_id: str) -> dict:
    return {"type": kind, "user": _user(user), "api_app_id": APP_ID, "token": "playground",
            "trigger_id": trigger_id, "team": {"id": TEAM_ID, "domain": "playground"},
            "enterprise": None, "is_enterprise_install": False}


def block_actions(user: str, action: dict, trigger_id: str, *, channel: str | None = None,
                  message: dict | None = None, view: dict | None = None, state: dict | None = None,
                  response_url: str | None = None) -> dict:
    """A click in a message (``channel`` and ``message``) or in a view (modal or Home)."""
    payload = _common("block_actions", user, trigger_id)
    payload["actions"] = [{**action, "action_ts": f"{time.time():.6f}"}]
    if view is not None:
        payload.update(view=view, container={"type": "view", "view_id": view["id"]})
    else:
        container = {"type": "message", "message_ts": message["ts"], "channel_id": channel, "is_ephemeral": False}
        if message.get("thread_ts"):
            container["thread_ts"] = message["thread_ts"]
        payload.update(container=container, channel={"id": channel, "name": channel.lower()}, message=message,
                       state={"values": state or {}})
        if response_url:
            payload["response_url"] = response_url
    return payload


def view_submission(user: str, view: dict, values: dict, trigger_id: str) -> dict:
    payload = _common("view_submission", user, trigger_id)
    payload.update(view={**view, "state": {"values": values}}, response_urls=[])
    return payload


def view_closed(user: str, view: dict) -> dict:
    payload = _common("view_closed", user, "")
    payload.update(view=view, is_cleared=False)
    return payload


def message_action(user: str, callback_id: str, channel: str, message: dict, trigger_id: str,
                   response_url: str) -> dict:
    payload = _common("message_action", user, trigger_id)
    payload.update(callback_id=callback_id, action_ts=f"{time.time():.6f}", message_ts=message["ts"],
                   channel={"id": channel, "name": channel.lower()}, message=message, response_url=response_url)
    return payload


def slash_command(user: str, channel: str, command: str, text: str, trigger_id: str, response_url: str) -> dict:
    found = person(user)
    return {"token": "playground", "team_id": TEAM_ID, "team_domain": "playground", "channel_id": channel,
            "channel_name": channel.lower(), "user_id": user, "user_name": found.name if found else user,
            "command": command, "text": text, "api_app_id": APP_ID, "is_enterprise_install": "false",
            "response_url": response_url, "trigger_id": trigger_id}


class SignedSender:
    """Posts requests to the Bolt app's ``/slack/events`` with Slack's signature headers."""

    def __init__(self, url: str, signing_secret: str) -> None:
        self.url = url
        self.verifier = SignatureVerifier(signing_secret)
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def event(self, event: dict) -> tuple[int, str]:
        return await self._post(json.dumps(envelope(event)), JSON)

    async def interactive(self, payload: dict) -> tuple[int, str]:
        return await self._post(urllib.parse.urlencode({"payload": json.dumps(payload)}), FORM)

    async def command(self, form: dict) -> tuple[int, str]:
        return await self._post(urllib.parse.urlencode(form), FORM)

    async def _post(self, body: str, content_type: str) -> tuple[int, str]:
        timestamp = str(int(time.time()))
        headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp,
                   "X-Slack-Signature": self.verifier.generate_signature(timestamp=timestamp, body=body)}
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        async with self._session.post(self.url, data=body.encode(), headers=headers) as response:
            return response.status, await response.text()
