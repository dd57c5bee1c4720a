"""Inbound Slack requests, built and signed the way Slack sends them.

Events arrive as JSON envelopes; interactivity (block_actions, view_submission)
as a form with one `payload=<json>` field; slash commands as a plain form.
Each is signed with the v0 scheme over the exact raw body, so tests must post
the string they signed (hence the body builders return strings).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import aiohttp

BOT_USER, APP_ID = "UBOT", "A1"
JSON, FORM = "application/json", "application/x-www-form-urlencoded"
_event_ids = itertools.count(1)


def sign(secret: str, body: str, timestamp: int | str | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


# -- Events API -------------------------------------------------------------------

def event_callback(event: dict, team: str = "T1", event_id: str | None = None, api_app_id: str = APP_ID) -> dict:
    return {
        "token": "verification-token", "team_id": team, "context_team_id": team,
        "context_enterprise_id": None, "api_app_id": api_app_id, "event": event,
        "type": "event_callback", "event_id": event_id or f"Ev{next(_event_ids):08d}",
        "event_time": int(time.time()), "is_ext_shared_channel": False,
        "authorizations": [{"enterprise_id": None, "team_id": team, "user_id": BOT_USER,
                            "is_bot": True, "is_enterprise_install": False}],
    }


def message_event(channel: str, user: str | None, text: str, ts: str, thread_ts: str | None = None,
                  channel_type: str = "channel", subtype: str | None = None, bot_id: str | None = None,
                  team: str = "T1", **extra: Any) -> dict:
    event = {"type": "message", "channel": channel, "text": text, "ts": ts, "event_ts": ts,
             "channel_type": channel_type, "team": team}
    optional = {"user": user, "thread_ts": thread_ts, "subtype": subtype, "bot_id": bot_id}
    event.update({k: v for k, v in optional.items() if v is not None})
    return {**event, **extra}


def app_mention_event(channel: str, user: str, text: str, ts: str, thread_ts: str | None = None,
                      team: str = "T1", **extra: Any) -> dict:
    # A real app_mention always contains the mention; add it if the test did not.
    if f"<@{BOT_USER}>" not in text:
        text = f"<@{BOT_USER}> {text}"
    event = {"type": "app_mention", "channel": channel, "user": user, "text": text, "ts": ts,
             "event_ts": ts, "team": team}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return {**event, **extra}


def url_verification(challenge: str = "challenge-token") -> dict:
    return {"token": "verification-token", "challenge": challenge, "type": "url_verification"}


# -- interactivity and commands (form bodies) ----------------------------------------

def interactive_body(payload: dict) -> str:
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def _user(user: str, team: str) -> dict:
    return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team}


def block_actions_payload(user: str, action_id: str, value: str, channel: str, message_ts: str,
                          trigger_id: str = "tr1", team: str = "T1", thread_ts: str | None = None,
                          block_id: str = "actions", **extra: Any) -> str:
    message = {"type": "message", "ts": message_ts, "user": BOT_USER, "bot_id": "BBOT", "text": ""}
    if thread_ts:
        message["thread_ts"] = thread_ts
    payload = {
        "type": "block_actions", "user": _user(user, team), "api_app_id": APP_ID,
        "token": "verification-token", "trigger_id": trigger_id,
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel,
                      "is_ephemeral": False, **({"thread_ts": thread_ts} if thread_ts else {})},
        "team": {"id": team, "domain": "test"}, "enterprise": None, "is_enterprise_install": False,
        "channel": {"id": channel, "name": channel.lower()}, "message": message,
        "state": {"values": {}}, "response_url": f"https://hooks.slack.com/actions/{team}/1/x",
        "actions": [{"action_id": action_id, "block_id": block_id, "value": value, "type": "button",
                     "text": {"type": "plain_text", "text": action_id}, "action_ts": f"{time.time():.6f}"}],
    }
    return interactive_body({**payload, **extra})


def view_submission_payload(user: str, callback_id: str, private_metadata: str, values: dict,
                            team: str = "T1", view_id: str = "V0001", trigger_id: str = "tr1",
                            **extra: Any) -> str:
    """`values` is Slack's state.values ({block_id: {action_id: {...}}}); a plain
    string in place of the inner dict means a plain_text_input with that value."""
    state = {block: {action: ({"type": "plain_text_input", "value": v} if isinstance(v, str) else v)
                     for action, v in actions.items()} for block, actions in values.items()}
    payload = {
        "type": "view_submission", "team": {"id": team, "domain": "test"}, "user": _user(user, team),
        "api_app_id": APP_ID, "token": "verification-token", "trigger_id": trigger_id,
        "view": {"id": view_id, "team_id": team, "type": "modal", "callback_id": callback_id,
                 "private_metadata": private_metadata, "state": {"values": state}, "hash": "h1",
                 "blocks": [], "title": {"type": "plain_text", "text": "Form"}, "app_id": APP_ID,
                 "bot_id": "BBOT", "root_view_id": view_id, "previous_view_id": None},
        "response_urls": [], "is_enterprise_install": False, "enterprise": None,
    }
    return interactive_body({**payload, **extra})


def slash_command(command: str, text: str, user: str, channel: str, team: str = "T1",
                  thread_ts: str | None = None, **extra: Any) -> str:
    form = {"token": "verification-token", "team_id": team, "team_domain": "test",
            "channel_id": channel, "channel_name": channel.lower(), "user_id": user,
            "user_name": user.lower(), "command": command, "text": text, "api_app_id": APP_ID,
            "is_enterprise_install": "false", "trigger_id": "tr1",
            "response_url": f"https://hooks.slack.com/commands/{team}/1/x"}
    if thread_ts:
        form["thread_ts"] = thread_ts
    return urllib.parse.urlencode({**form, **extra})


# -- posting ------------------------------------------------------------------------

def _headers(secret: str, body: str, content_type: str, retry_num: int | None,
             retry_reason: str, timestamp: int | None, override: dict | None) -> dict[str, str]:
    headers = {"Content-Type": content_type, **sign(secret, body, timestamp)}
    if retry_num is not None:
        headers.update({"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason})
    for key, value in (override or {}).items():  # None removes a header
        headers.pop(key, None)
        if value is not None:
            headers[key] = value
    return headers


def post(url: str, secret: str, body: str, content_type: str = JSON, headers_override: dict | None = None,
         retry_num: int | None = None, retry_reason: str = "http_timeout",
         timestamp: int | None = None, timeout: float = 30) -> tuple[int, str]:
    headers = _headers(secret, body, content_type, retry_num, retry_reason, timestamp, headers_override)
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:  # 4xx/5xx are answers too
        return error.code, error.read().decode()


def post_event(url: str, secret: str, envelope: dict, **kwargs: Any) -> tuple[int, str]:
    return post(url, secret, json.dumps(envelope), JSON, **kwargs)


def post_form(url: str, secret: str, body: str, **kwargs: Any) -> tuple[int, str]:
    """For block_actions_payload, view_submission_payload and slash_command bodies."""
    return post(url, secret, body, FORM, **kwargs)


async def apost(url: str, secret: str, body: str, content_type: str = JSON, headers_override: dict | None = None,
                retry_num: int | None = None, retry_reason: str = "http_timeout",
                timestamp: int | None = None, timeout: float = 30) -> tuple[int, str]:
    headers = _headers(secret, body, content_type, retry_num, retry_reason, timestamp, headers_override)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:
        async with session.post(url, data=body.encode(), headers=headers) as response:
            return response.status, await response.text()


async def apost_event(url: str, secret: str, envelope: dict, **kwargs: Any) -> tuple[int, str]:
    return await apost(url, secret, json.dumps(envelope), JSON, **kwargs)


async def apost_form(url: str, secret: str, body: str, **kwargs: Any) -> tuple[int, str]:
    return await apost(url, secret, body, FORM, **kwargs)


def view_actions_payload(user: str, action_id: str, value: str, block_id: str, view_type: str = "home",
                         view_id: str = "VHOME", team: str = "T1", **extra: Any) -> str:
    """A button click inside a view (the Home tab or a modal), as Slack sends it."""
    payload = {
        "type": "block_actions", "user": _user(user, team), "api_app_id": APP_ID,
        "token": "verification-token", "trigger_id": "tr2",
        "container": {"type": "view", "view_id": view_id},
        "team": {"id": team, "domain": "test"}, "enterprise": None, "is_enterprise_install": False,
        "view": {"id": view_id, "team_id": team, "type": view_type, "blocks": [], "private_metadata": "",
                 "callback_id": "", "state": {"values": {}}, "hash": "h1", "app_id": APP_ID, "bot_id": "BBOT",
                 "root_view_id": view_id, "previous_view_id": None},
        "actions": [{"action_id": action_id, "block_id": block_id, "value": value, "type": "button",
                     "text": {"type": "plain_text", "text": action_id}, "action_ts": f"{time.time():.6f}"}],
    }
    return interactive_body({**payload, **extra})


def message_shortcut_payload(user: str, callback_id: str, channel: str, message_ts: str,
                             thread_ts: str | None = None, team: str = "T1", trigger_id: str = "trs1",
                             **extra: Any) -> str:
    """A message shortcut (``message_action``) on one message of a conversation."""
    message = {"type": "message", "ts": message_ts, "user": "U1", "text": "a message"}
    if thread_ts:
        message["thread_ts"] = thread_ts
    payload = {
        "type": "message_action", "callback_id": callback_id, "trigger_id": trigger_id,
        "action_ts": f"{time.time():.6f}", "message_ts": message_ts, "user": _user(user, team),
        "team": {"id": team, "domain": "test"}, "channel": {"id": channel, "name": channel.lower()},
        "message": message, "response_url": f"https://hooks.slack.com/app/{team}/1/x", "token": "verification-token",
        "is_enterprise_install": False, "enterprise": None,
    }
    return interactive_body({**payload, **extra})
