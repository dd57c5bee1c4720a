"""The playground's Slack Web API: the methods the bot calls, over one workspace's state.

Same method names and arguments as slack.com/api (slack_sdk sends some as JSON,
some as forms, some as query strings, so a call reads all three). State changes
are saved through ``store`` (a restart shows every conversation again) and
announced through ``on_change`` so the page can redraw what changed.
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any, Awaitable, Callable

from aiohttp import web

from bot.playground.people import BOT_ID, BOT_NAME, BOT_USER, PEOPLE, TEAM_ID, TEAM_NAME, person

# Arguments slack_sdk sends as JSON text inside a form or query string.
_JSON_ARGS = {"blocks", "attachments", "metadata", "chunks", "view", "prompts", "user_ids"}
Change = Callable[..., Awaitable[None]]
NEW_AI_THREAD = "New chat with supportbot"
METHODS: dict[str, Callable] = {}


def method(name: str):
    def register(fn):
        METHODS[name] = fn
        return fn
    return register


class ApiError(Exception):
    """A Web API error answer: ``{"ok": false, "error": code}``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


async def read_arguments(request: web.Request) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        args.update(await request.json())
    elif request.can_read_body:
        args.update(await request.post())
    for key in _JSON_ARGS & args.keys():
        if isinstance(args[key], str) and args[key][:1] in "[{":
            args[key] = json.loads(args[key])
    return args


def public(message: dict) -> dict:
    """A message as the Web API returns it: without the playground's own bookkeeping."""
    return {k: v for k, v in message.items() if not k.startswith("_")}


class NoStore:
    async def save_message(self, channel: str, message: dict) -> None: ...
    async def delete_message(self, channel: str, ts: str) -> None: ...
    async def save_home(self, user: str, view: dict) -> None: ...


async def _nothing(*args, **kwargs) -> None:
    return None


class SlackWebAPI:
    def __init__(self, token: str, workspace_url: str, store=None, on_change: Change = _nothing,
                 usergroups: dict[str, list[str]] | None = None) -> None:
        self.token = token
        self.workspace_url = workspace_url
        self.store = store or NoStore()
        self.on_change = on_change
        self.usergroups = usergroups or {}
        self.channels: dict[str, dict[str, dict]] = {}
        self.ephemerals: list[dict] = []
        self.views: dict[str, dict] = {}  # view id -> {"view", "user"}
        self.modals: dict[str, list[str]] = {}  # user -> stack of open modal view ids
        self.homes: dict[str, str] = {}  # user -> Home view id
        self.assistant: dict[tuple[str, str], dict] = {}  # (channel, thread_ts) -> status, prompts, title
        self.triggers: dict[str, str] = {}  # trigger id -> user it was issued to
        self.unknown_calls: list[str] = []
        self._view_ids = itertools.count(1)
        self._triggers = itertools.count(1)
        self._last_micros = 0

    # -- state the page and the playground use --------------------------------
    def load(self, messages: list[tuple[str, dict]], homes: list[tuple[str, dict]]) -> None:
        for channel, message in messages:
            self.channels.setdefault(channel, {})[message["ts"]] = message
            self._last_micros = max(self._last_micros, _micros(message["ts"]))
        for user, view in homes:
            self.views[view["id"]] = {"view": view, "user": user}
            self.homes[user] = view["id"]

    def new_ts(self) -> str:
        """A message ts: the time now, later than every ts so far (Slack's are unique per channel)."""
        self._last_micros = max(self._last_micros + 1, int(time.time() * 1_000_000))
        return f"{self._last_micros // 1_000_000}.{self._last_micros % 1_000_000:06d}"

    def new_trigger(self, user: str) -> str:
        trigger = f"{next(self._triggers)}.{int(time.time())}.playground"
        self.triggers[trigger] = user
        return trigger

    def message(self, channel: str, ts: str) -> dict | None:
        return self.channels.get(channel, {}).get(ts)

    def timeline(self, channel: str) -> list[dict]:
        return sorted(self.channels.get(channel, {}).values(), key=lambda m: _micros(m["ts"]))

    async def add_user_message(self, channel: str, user: str, text: str, thread_ts: str | None = None) -> dict:
        message = {"type": "message", "ts": self.new_ts(), "user": user, "text": text, "team": TEAM_ID}
        if thread_ts:
            message["thread_ts"] = thread_ts
        await self._put(channel, message)
        return message

    async def start_assistant_thread(self, dm: str) -> dict:
        """The parent message Slack makes for a new AI-app thread, before the app hears of it."""
        root = {**self._from_bot({}, NEW_AI_THREAD), "_assistant_root": True}
        await self._put(dm, root)
        return root

    def modal_of(self, user: str) -> dict | None:
        stack = self.modals.get(user) or []
        return self.views[stack[-1]]["view"] if stack else None

    async def close_modals(self, user: str, all_of_them: bool = True) -> None:
        stack = self.modals.get(user) or []
        if all_of_them:
            stack.clear()
        elif stack:
            stack.pop()
        await self.on_change("modal", user=user)

    async def answer_submission(self, user: str, view: dict, push: bool) -> None:
        """A view_submission answered with response_action "update" or "push"."""
        stack = self.modals.setdefault(user, [])
        if not stack:
            return
        if push:
            record = _view_record(self, view, user, previous_view_id=stack[-1], root_view_id=stack[0])
            stack.append(record["id"])
        else:
            _view_record(self, view, user, stack[-1], root_view_id=stack[0])
        await self.on_change("modal", user=user)

    # -- the HTTP side ----------------------------------------------------------
    async def handle(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        args = await read_arguments(request)
        bearer = request.headers.get("Authorization", "")
        token = bearer[7:] if bearer.startswith("Bearer ") else args.pop("token", None)
        if token != self.token:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        fn = METHODS.get(name)
        if fn is None:
            self.unknown_calls.append(name)
            return web.json_response({"ok": False, "error": "unknown_method"})
        try:
            body = await fn(self, args)
        except ApiError as exc:
            body = {"ok": False, "error": exc.code}
        return web.json_response(body)

    # -- helpers ------------------------------------------------------------------
    async def _put(self, channel: str, message: dict) -> None:
        self.channels.setdefault(channel, {})[message["ts"]] = message
        await self.store.save_message(channel, message)
        await self.on_change("message", channel=channel, ts=message["ts"])

    def _find(self, args: dict) -> dict:
        found = self.message(args.get("channel", ""), args.get("ts", ""))
        if found is None:
            raise ApiError("message_not_found")
        return found

    def _from_bot(self, args: dict, text: str) -> dict:
        message = {"type": "message", "ts": self.new_ts(), "user": BOT_USER, "bot_id": BOT_ID,
                   "app_id": "APLAYGROUND", "team": TEAM_ID, "text": text}
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if args.get(key):
                message[key] = args[key]
        return message


def _micros(ts: str) -> int:
    whole, _, fraction = ts.partition(".")
    return int(whole) * 1_000_000 + int(fraction.ljust(6, "0")[:6])


def _stream_text(args: dict) -> str:
    text = args.get("markdown_text") or ""
    for chunk in args.get("chunks") or []:
        if isinstance(chunk, dict) and chunk.get("type") == "markdown_text":
            text += chunk.get("text", "")
    return text


def _need(args: dict, *names: str) -> None:
    for name in names:
        if not args.get(name):
            raise ApiError("channel_not_found" if name == "channel" else "invalid_arguments")


# -- chat.* ---------------------------------------------------------------------------

@method("chat.postMessage")
async def chat_post_message(api: SlackWebAPI, args: dict) -> dict:
    _need(args, "channel")
    if not (args.get("text") or args.get("blocks") or args.get("attachments")):
        raise ApiError("no_text")
    message = api._from_bot(args, args.get("text") or "")
    await api._put(args["channel"], message)
    return {"ok": True, "channel": args["channel"], "ts": message["ts"], "message": public(message)}


@method("chat.update")
async def chat_update(api: SlackWebAPI, args: dict) -> dict:
    message = api._find(args)
    for key in ("text", "blocks", "attachments", "metadata"):
        if key in args:
            message[key] = args[key]
    message["edited"] = {"user": BOT_USER, "ts": api.new_ts()}
    await api._put(args["channel"], message)
    return {"ok": True, "channel": args["channel"], "ts": args["ts"], "text": message.get("text", ""),
            "message": public(message)}


@method("chat.delete")
async def chat_delete(api: SlackWebAPI, args: dict) -> dict:
    api._find(args)
    del api.channels[args["channel"]][args["ts"]]
    await api.store.delete_message(args["channel"], args["ts"])
    await api.on_change("deleted", channel=args["channel"], ts=args["ts"])
    return {"ok": True, "channel": args["channel"], "ts": args["ts"]}


@method("chat.postEphemeral")
async def chat_post_ephemeral(api: SlackWebAPI, args: dict) -> dict:
    _need(args, "channel", "user")
    note = {"channel": args["channel"], "user": args["user"], "ts": api.new_ts(), "text": args.get("text", ""),
            "thread_ts": args.get("thread_ts"), "blocks": args.get("blocks")}
    api.ephemerals.append(note)
    await api.on_change("ephemeral", user=args["user"], channel=args["channel"])
    return {"ok": True, "message_ts": note["ts"]}


@method("chat.getPermalink")
async def chat_get_permalink(api: SlackWebAPI, args: dict) -> dict:
    message = api._find({"channel": args.get("channel"), "ts": args.get("message_ts")})
    link = f"{api.workspace_url}archives/{args['channel']}/p{message['ts'].replace('.', '')}"
    return {"ok": True, "channel": args["channel"], "permalink": link}


@method("chat.startStream")
async def chat_start_stream(api: SlackWebAPI, args: dict) -> dict:
    _need(args, "channel", "thread_ts")
    message = api._from_bot(args, _stream_text(args))
    message.update(_markdown=True, _streaming=True)
    await api._put(args["channel"], message)
    return {"ok": True, "channel": args["channel"], "ts": message["ts"]}


@method("chat.appendStream")
async def chat_append_stream(api: SlackWebAPI, args: dict, stop: bool = False) -> dict:
    message = api._find(args)
    if not message.get("_streaming"):
        raise ApiError("message_not_in_streaming_state")
    message["text"] += _stream_text(args)
    if stop:
        message.update({k: args[k] for k in ("blocks", "metadata") if args.get(k)})
        if args.get("blocks"):  # as in Slack, stopStream's blocks go under the streamed text
            message["blocks"] = [{"type": "markdown", "text": message["text"]}, *args["blocks"]]
        message["_streaming"] = False
    await api._put(args["channel"], message)
    reply = {"ok": True, "channel": args["channel"], "ts": args["ts"]}
    return {**reply, "message": public(message)} if stop else reply


@method("chat.stopStream")
async def chat_stop_stream(api: SlackWebAPI, args: dict) -> dict:
    return await chat_append_stream(api, args, stop=True)


# -- reactions.* ------------------------------------------------------------------------

async def _react(api: SlackWebAPI, args: dict, add: bool) -> dict:
    message = api._find({"channel": args.get("channel"), "ts": args.get("timestamp")})
    name = args.get("name") or ""
    reactions = message.setdefault("reactions", [])
    entry = next((r for r in reactions if r["name"] == name), None)
    has = entry is not None and BOT_USER in entry["users"]
    if add == has:
        raise ApiError("already_reacted" if add else "no_reaction")
    if add:
        if entry is None:
            entry = {"name": name, "users": [], "count": 0}
            reactions.append(entry)
        entry["users"].append(BOT_USER)
    else:
        entry["users"].remove(BOT_USER)
        if not entry["users"]:
            reactions.remove(entry)
    if entry in reactions:
        entry["count"] = len(entry["users"])
    if not reactions:
        del message["reactions"]
    await api._put(args["channel"], message)
    return {"ok": True}


@method("reactions.add")
async def reactions_add(api: SlackWebAPI, args: dict) -> dict:
    return await _react(api, args, add=True)


@method("reactions.remove")
async def reactions_remove(api: SlackWebAPI, args: dict) -> dict:
    return await _react(api, args, add=False)


# -- conversations.* ----------------------------------------------------------------------

@method("conversations.replies")
async def conversations_replies(api: SlackWebAPI, args: dict) -> dict:
    root = args.get("ts", "")
    thread = [public(m) for m in api.timeline(args.get("channel", "")) if root in (m["ts"], m.get("thread_ts"))]
    if not thread:
        raise ApiError("thread_not_found")
    if len(thread) > 1 and thread[0]["ts"] == root:
        thread[0].update(thread_ts=root, reply_count=len(thread) - 1)
    return {"ok": True, "messages": thread, "has_more": False, "response_metadata": {"next_cursor": ""}}


@method("conversations.history")
async def conversations_history(api: SlackWebAPI, args: dict) -> dict:
    top = [public(m) for m in api.timeline(args.get("channel", "")) if m.get("thread_ts", m["ts"]) == m["ts"]]
    limit = int(args.get("limit") or 100)
    return {"ok": True, "messages": top[::-1][:limit], "has_more": False, "response_metadata": {"next_cursor": ""}}


@method("conversations.info")
async def conversations_info(api: SlackWebAPI, args: dict) -> dict:
    channel = args.get("channel", "")
    return {"ok": True, "channel": {"id": channel, "is_im": channel.startswith("D"),
                                    "is_channel": channel.startswith("C"), "is_member": True}}


# -- users, bots, groups, the workspace ------------------------------------------------------

@method("auth.test")
async def auth_test(api: SlackWebAPI, args: dict) -> dict:
    return {"ok": True, "url": api.workspace_url, "team": TEAM_NAME, "user": BOT_NAME, "team_id": TEAM_ID,
            "user_id": BOT_USER, "bot_id": BOT_ID, "is_enterprise_install": False}


@method("users.info")
async def users_info(api: SlackWebAPI, args: dict) -> dict:
    user = args.get("user")
    if user == BOT_USER:
        return {"ok": True, "user": {"id": BOT_USER, "team_id": TEAM_ID, "name": BOT_NAME, "is_bot": True,
                                     "deleted": False, "profile": {"real_name": BOT_NAME, "bot_id": BOT_ID}}}
    found = person(user)
    if found is None:
        raise ApiError("user_not_found")
    return {"ok": True, "user": found.profile()}


@method("users.lookupByEmail")
async def users_lookup_by_email(api: SlackWebAPI, args: dict) -> dict:
    found = next((p for p in PEOPLE if p.email == (args.get("email") or "").lower()), None)
    if found is None:
        raise ApiError("users_not_found")
    return {"ok": True, "user": found.profile()}


@method("bots.info")
async def bots_info(api: SlackWebAPI, args: dict) -> dict:
    return {"ok": True, "bot": {"id": BOT_ID, "deleted": False, "name": BOT_NAME, "app_id": "APLAYGROUND",
                                "user_id": BOT_USER}}


@method("usergroups.users.list")
async def usergroups_users_list(api: SlackWebAPI, args: dict) -> dict:
    members = api.usergroups.get(args.get("usergroup", ""))
    if members is None:
        raise ApiError("no_such_subteam")
    return {"ok": True, "users": list(members)}


# -- views.* --------------------------------------------------------------------------------

def _view_record(api: SlackWebAPI, view: dict, user: str, view_id: str | None = None, **extra) -> dict:
    if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
        raise ApiError("invalid_arguments")
    view_id = view_id or f"VPLAY{next(api._view_ids):05d}"
    full = {**view, "id": view_id, "team_id": TEAM_ID, "app_id": "APLAYGROUND", "bot_id": BOT_ID,
            "hash": f"{view_id}.{time.time_ns()}", "state": {"values": {}}, **extra}
    api.views[view_id] = {"view": full, "user": user}
    return full


@method("views.open")
async def views_open(api: SlackWebAPI, args: dict) -> dict:
    user = api.triggers.pop(args.get("trigger_id", ""), None)
    if user is None:
        raise ApiError("invalid_trigger_id")
    view = _view_record(api, args.get("view"), user)
    view["root_view_id"] = view["id"]
    api.modals[user] = [view["id"]]
    await api.on_change("modal", user=user)
    return {"ok": True, "view": view}


@method("views.push")
async def views_push(api: SlackWebAPI, args: dict) -> dict:
    user = api.triggers.pop(args.get("trigger_id", ""), None)
    stack = api.modals.get(user or "") or []
    if user is None or not stack:
        raise ApiError("invalid_trigger_id")
    view = _view_record(api, args.get("view"), user, previous_view_id=stack[-1], root_view_id=stack[0])
    stack.append(view["id"])
    await api.on_change("modal", user=user)
    return {"ok": True, "view": view}


@method("views.update")
async def views_update(api: SlackWebAPI, args: dict) -> dict:
    view_id = args.get("view_id") or next(
        (vid for vid, r in api.views.items() if args.get("external_id") and r["view"].get("external_id") == args["external_id"]),
        None)
    record = api.views.get(view_id or "")
    if record is None:
        raise ApiError("not_found")
    old = record["view"]
    view = _view_record(api, args.get("view"), record["user"], view_id,
                        root_view_id=old.get("root_view_id"), previous_view_id=old.get("previous_view_id"))
    if view["type"] == "home":
        await api.store.save_home(record["user"], view)
    await api.on_change("home" if view["type"] == "home" else "modal", user=record["user"])
    return {"ok": True, "view": view}


@method("views.publish")
async def views_publish(api: SlackWebAPI, args: dict) -> dict:
    user = args.get("user_id", "")
    if person(user) is None:
        raise ApiError("user_not_found")
    view = _view_record(api, args.get("view"), user, api.homes.get(user))
    api.homes[user] = view["id"]
    await api.store.save_home(user, view)
    await api.on_change("home", user=user)
    return {"ok": True, "view": view}


# -- assistant.threads.* (the AI-app thread) ----------------------------------------------------

async def _assistant(api: SlackWebAPI, args: dict, key: str, value) -> dict:
    _need(args, "channel_id", "thread_ts")
    api.assistant.setdefault((args["channel_id"], args["thread_ts"]), {})[key] = value
    await api.on_change("assistant", channel=args["channel_id"], ts=args["thread_ts"])
    return {"ok": True}


@method("assistant.threads.setStatus")
async def assistant_set_status(api: SlackWebAPI, args: dict) -> dict:
    return await _assistant(api, args, "status", args.get("status") or "")


@method("assistant.threads.setSuggestedPrompts")
async def assistant_set_prompts(api: SlackWebAPI, args: dict) -> dict:
    return await _assistant(api, args, "prompts", {"title": args.get("title"), "prompts": args.get("prompts") or []})


@method("assistant.threads.setTitle")
async def assistant_set_title(api: SlackWebAPI, args: dict) -> dict:
    return await _assistant(api, args, "title", args.get("title") or "")
