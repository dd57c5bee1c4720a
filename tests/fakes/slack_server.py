"""A fake Slack Web API that keeps channels' messages consistent across methods.

slack_sdk sends some methods as JSON (chat.postMessage, chat.update, the
chat.*Stream family), some as form data (chat.delete, reactions.*, auth.test)
and some as GET query strings (conversations.replies/history, users.info), so
every handler reads the union of query, form and JSON parameters.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakes._server import BackgroundServer
from tests.fakes.slack_directory import BOT_ID, BOT_USER, TEAM, SlackDirectory

# Parameters slack_sdk serialises to JSON strings inside form bodies.
_JSON_FIELDS = ("blocks", "attachments", "metadata", "chunks", "view", "user_ids", "prompts")


@dataclass
class Call:
    method: str
    params: dict
    token: str | None
    status: int = 0  # HTTP status the fake answered; 0 while still in flight
    ok: bool | None = None


def _micros(ts: str) -> int:
    seconds, _, frac = ts.partition(".")
    return int(seconds) * 1_000_000 + int((frac + "000000")[:6])


def _chunk_text(params: dict) -> str:
    """Streamed text arrives as markdown_text or as markdown_text chunks (chat_stream)."""
    text = params.get("markdown_text") or ""
    for chunk in params.get("chunks") or []:
        if chunk.get("type") == "markdown_text":
            text += chunk.get("text", "")
    return text


class FakeSlack(SlackDirectory, BackgroundServer):
    def __init__(self, port: int = 0) -> None:
        super().__init__(port)
        self.calls: list[Call] = []
        self.delay: dict[str, float] = {}
        self.usergroups: dict[str, list[str]] = {}
        self.users: dict[str, dict] = {}  # per-user overrides merged into users.info
        self.ephemerals: list[dict] = []
        self.reactions: dict[tuple[str, str], list[str]] = {}  # (channel, ts) -> names
        self._channels: dict[str, dict[str, dict]] = {}  # channel -> ts -> message
        self._streaming: set[tuple[str, str]] = set()
        self._faults: dict[str, list[tuple[int, dict, dict]]] = {}
        self._last_ts = 1_700_000_000 * 1_000_000

    @property
    def api_url(self) -> str:
        return f"{self.root_url}/api/"

    # -- test helpers ---------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_calls(self, method: str, n: int = 1, timeout: float = 5.0) -> list[Call]:
        return self.wait_until(lambda: len(self.calls_to(method)) >= n and self.calls_to(method), timeout)

    async def await_calls(self, method: str, n: int = 1, timeout: float = 5.0) -> list[Call]:
        return await self.await_until(lambda: len(self.calls_to(method)) >= n and self.calls_to(method), timeout)

    def add_user_message(self, channel: str, ts: str, text: str, user: str = "U1",
                         thread_ts: str | None = None, **extra: Any) -> dict:
        message = {"type": "message", "ts": ts, "user": user, "text": text, "team": TEAM, **extra}
        if thread_ts:
            message["thread_ts"] = thread_ts
        with self._lock:
            self._channels.setdefault(channel, {})[ts] = message
            self._last_ts = max(self._last_ts, _micros(ts))  # bot replies come later
        return message

    def messages(self, channel: str, thread_ts: str | None = None) -> list[dict]:
        """The channel's current messages in ts order (after edits and deletes);
        with thread_ts, only that thread: the parent, then its replies."""
        with self._lock:
            found = [dict(m) for m in self._channels.get(channel, {}).values()
                     if thread_ts is None or thread_ts in (m["ts"], m.get("thread_ts"))]
        return sorted(found, key=lambda m: _micros(m["ts"]))

    def rate_limit_next(self, method: str, n: int = 1, retry_after: int = 1) -> None:
        self._add_fault(method, n, 429, {"ok": False, "error": "ratelimited"},
                        {"Retry-After": str(retry_after)})

    def fail_next(self, method: str, n: int = 1, error: str = "internal_error", status: int = 200) -> None:
        self._add_fault(method, n, status, {"ok": False, "error": error}, {})

    def _add_fault(self, method, n, status, body, headers) -> None:
        with self._lock:
            self._faults.setdefault(method, []).extend([(status, body, headers)] * n)

    # -- server ---------------------------------------------------------------

    def build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._dispatch)
        return app

    async def _dispatch(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            params.update(await request.post())
        for key in _JSON_FIELDS:
            if isinstance(params.get(key), str) and params[key].startswith(("[", "{")):
                params[key] = json.loads(params[key])
        auth = request.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else params.pop("token", None)
        call = Call(method, params, token)
        with self._lock:
            self.calls.append(call)
            faults = self._faults.get(method)
            fault = faults.pop(0) if faults else None
        if self.delay.get(method):
            await asyncio.sleep(self.delay[method])
        if fault:
            status, body, headers = fault
        else:
            handler = getattr(self, "_api_" + method.replace(".", "_"), None)
            status, headers = 200, {}
            body = handler(params) if handler else {"ok": False, "error": "unknown_method"}
        call.status, call.ok = status, body.get("ok")
        return web.json_response(body, status=status, headers=headers)

    def _next_ts(self, after: str | None = None) -> str:
        with self._lock:
            # Later than anything it answers, as real replies are.
            self._last_ts = max(self._last_ts, _micros(after) if after else 0) + 100
            return f"{self._last_ts // 1_000_000}.{self._last_ts % 1_000_000:06d}"

    def _store(self, channel: str, message: dict) -> None:
        with self._lock:
            self._channels.setdefault(channel, {})[message["ts"]] = message

    def _find(self, params: dict) -> dict | None:
        with self._lock:
            return self._channels.get(params.get("channel", ""), {}).get(params.get("ts", ""))

    def _bot_message(self, params: dict, text: str) -> dict:
        message = {"type": "message", "ts": self._next_ts(params.get("thread_ts")), "text": text, "user": BOT_USER,
                   "bot_id": BOT_ID, "team": TEAM}
        for key in ("blocks", "thread_ts", "metadata"):
            if params.get(key):
                message[key] = params[key]
        return message

    # -- methods: _api_ + the Web API method name, dots as underscores ----------

    def _api_chat_postMessage(self, p):
        if not p.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not (p.get("text") or p.get("blocks") or p.get("attachments")):
            return {"ok": False, "error": "no_text"}
        message = self._bot_message(p, p.get("text") or "")
        self._store(p["channel"], message)
        return {"ok": True, "channel": p["channel"], "ts": message["ts"], "message": dict(message)}

    def _api_chat_update(self, p):
        if (message := self._find(p)) is None:
            return {"ok": False, "error": "message_not_found"}
        with self._lock:
            message.update({k: p[k] for k in ("text", "blocks", "metadata") if k in p})
            message["edited"] = {"user": BOT_USER, "ts": p["ts"]}
        return {"ok": True, "channel": p["channel"], "ts": p["ts"], "text": message.get("text", ""),
                "message": dict(message)}

    def _api_chat_delete(self, p):
        if self._find(p) is None:
            return {"ok": False, "error": "message_not_found"}
        with self._lock:
            del self._channels[p["channel"]][p["ts"]]
        return {"ok": True, "channel": p["channel"], "ts": p["ts"]}

    def _api_chat_postEphemeral(self, p):
        ts = self._next_ts()
        with self._lock:
            self.ephemerals.append({**p, "message_ts": ts})
        return {"ok": True, "message_ts": ts}

    def _api_chat_startStream(self, p):
        if not p.get("channel") or not p.get("thread_ts"):
            return {"ok": False, "error": "invalid_arguments"}
        message = self._bot_message(p, _chunk_text(p))
        self._store(p["channel"], message)
        self._streaming.add((p["channel"], message["ts"]))
        return {"ok": True, "channel": p["channel"], "ts": message["ts"]}

    def _api_chat_appendStream(self, p, stop=False):
        if (message := self._find(p)) is None:
            return {"ok": False, "error": "message_not_found"}
        if (p["channel"], p["ts"]) not in self._streaming:
            return {"ok": False, "error": "message_not_in_streaming_state"}
        with self._lock:
            message["text"] += _chunk_text(p)
            if stop:
                message.update({k: p[k] for k in ("blocks", "metadata") if p.get(k)})
                self._streaming.discard((p["channel"], p["ts"]))
        result = {"ok": True, "channel": p["channel"], "ts": p["ts"]}
        return {**result, "message": dict(message)} if stop else result

    def _api_chat_stopStream(self, p):
        return self._api_chat_appendStream(p, stop=True)

    def _api_conversations_replies(self, p):
        thread = self.messages(p.get("channel", ""), p.get("ts", ""))
        if not thread:
            return {"ok": False, "error": "thread_not_found"}
        if len(thread) > 1 and thread[0]["ts"] == p["ts"]:  # the parent carries thread fields, as in Slack
            thread[0].update(thread_ts=p["ts"], reply_count=len(thread) - 1)
        return {"ok": True, "messages": thread, "has_more": False, "response_metadata": {"next_cursor": ""}}

    def _api_conversations_history(self, p):
        top = [m for m in self.messages(p.get("channel", "")) if m.get("thread_ts", m["ts"]) == m["ts"]]
        top.reverse()  # Slack lists newest first
        return {"ok": True, "messages": top[: int(p.get("limit") or 100)], "has_more": False,
                "response_metadata": {"next_cursor": ""}}

    def _api_reactions_add(self, p, remove=False):
        with self._lock:
            names = self.reactions.setdefault((p.get("channel", ""), p.get("timestamp", "")), [])
            if remove != (p.get("name") in names):
                return {"ok": False, "error": "no_reaction" if remove else "already_reacted"}
            if remove:
                names.remove(p["name"])
            else:
                names.append(p.get("name"))
        return {"ok": True}

    def _api_reactions_remove(self, p):
        return self._api_reactions_add(p, remove=True)
