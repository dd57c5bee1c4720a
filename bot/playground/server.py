"""The playground process: the bot's Service, its Bolt app at /slack/events, the
in-process Web API at /api/, and the page with its JSON and live-update routes.

Every user action on the page becomes the signed request Slack would send to
/slack/events; nothing reaches the bot any other way.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from importlib import resources

from aiohttp import web

from bot.playground import inbound
from bot.playground.feed import Feed
from bot.playground.operator_panel import OperatorPanel, Refused
from bot.playground.page_model import PageModel
from bot.playground.people import BOT_USER, DEFAULT_PERSON, conversations, person
from bot.playground.slack_api import SlackWebAPI, chat_post_ephemeral, chat_post_message, public
from bot.playground.state_values import missing_required, state_values
from bot.playground.store import WorkspaceStore
from bot.slack.web import build_web_app

log = logging.getLogger(__name__)

STATIC = resources.files(__package__).joinpath("static")
_MENTION = re.compile(r"@supportbot\b", re.I)
SHORTCUTS_FILE = "manifest.json"


class Playground:
    def __init__(self, service, root_url: str, signing_secret: str, token: str) -> None:
        self.service = service
        self.root_url = root_url
        self.feed = Feed()
        self.api = SlackWebAPI(token, f"{root_url}/", WorkspaceStore(service.agent.storage.db), self._changed)
        self.conversations = conversations(service.settings.supportbot_approval_channel)
        self.model = PageModel(self.api, self.conversations)
        self.sender = inbound.SignedSender(f"{root_url}/slack/events", signing_secret)
        self.operators = OperatorPanel(service)

    async def start(self) -> None:
        messages, homes = await WorkspaceStore(self.service.agent.storage.db).load()
        self.api.load(messages, homes)

    async def close(self) -> None:
        self.feed.close()
        await self.sender.close()

    async def _changed(self, kind: str, **where) -> None:
        update = {"kind": kind, **where}
        if kind == "message":
            update["message"] = self.model.message(where["channel"], self.api.message(where["channel"], where["ts"]))
        self.feed.publish(update)

    # -- the aiohttp app ----------------------------------------------------------
    def web_app(self) -> web.Application:
        app = build_web_app(self.service.bolt, self.service)
        app.router.add_route("*", "/api/{method}", self.api.handle)
        app.router.add_get("/", self.index)
        app.router.add_get("/static/{name}", self.static)
        routes = {
            "GET": {"workspace": self.workspace, "channel": self.channel, "modal": self.modal, "home": self.home,
                    "timeline": self.timeline, "checkpoint": self.checkpoint},
            "POST": {"send": self.send, "action": self.action, "submit": self.submit, "close": self.close_modal,
                     "open-home": self.open_home, "shortcut": self.shortcut, "rewind": self.rewind,
                     "replay": self.replay, "ai-thread": self.ai_thread},
        }
        for verb, table in routes.items():
            for name, handler in table.items():
                app.router.add_route(verb, f"/play/{name}", _guarded(handler))
        app.router.add_get("/play/events", self.feed.stream)
        app.router.add_post("/play/respond/{user}/{channel}", self.respond)
        return app

    async def index(self, request: web.Request) -> web.Response:
        return web.Response(text=STATIC.joinpath("index.html").read_text(), content_type="text/html")

    async def static(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        kinds = {".css": "text/css", ".js": "application/javascript", ".svg": "image/svg+xml"}
        kind = next((v for k, v in kinds.items() if name.endswith(k)), None)
        if kind is None or "/" in name or not STATIC.joinpath(name).is_file():
            raise web.HTTPNotFound()
        return web.Response(text=STATIC.joinpath(name).read_text(), content_type=kind)

    # -- reading ---------------------------------------------------------------------
    async def workspace(self, request, user: str) -> dict:
        return {**self.model.workspace(user), "shortcuts": message_shortcuts()}

    async def channel(self, request, user: str) -> dict:
        return self.model.channel(user, request.query.get("channel", ""))

    async def modal(self, request, user: str) -> dict:
        return {"modal": self.model.modal(user)}

    async def home(self, request, user: str) -> dict:
        return {"home": self.model.home(user)}

    async def timeline(self, request, user: str) -> dict:
        return {"steps": await self.operators.timeline(user, request.query.get("thread_id", ""))}

    async def checkpoint(self, request, user: str) -> dict:
        q = request.query
        return {"state": await self.operators.state(user, q.get("thread_id", ""), q.get("checkpoint_id", ""))}

    # -- acting: each becomes what Slack would send -----------------------------------
    async def send(self, request, user: str) -> dict:
        body = await request.json()
        channel, text, thread_ts = body.get("channel", ""), body.get("text", ""), body.get("thread_ts") or None
        conversation = self.model.conversation(channel)
        if conversation is None or not conversation.visible_to(user):
            raise Refused("You are not in that conversation.")
        if not text.strip():
            raise Refused("Write something first.")
        if text.startswith("/"):
            command, _, rest = text.partition(" ")
            form = inbound.slash_command(user, channel, command, rest, self.api.new_trigger(user),
                                         self._response_url(user, channel))
            if thread_ts:
                form["thread_ts"] = thread_ts
            status, answer = await self.sender.command(form)
            await self._note_immediate_answer(user, channel, thread_ts, answer)
            return {"status": status}
        text = _MENTION.sub(f"<@{BOT_USER}>", text)
        message = await self.api.add_user_message(channel, user, text, thread_ts)
        event = inbound.message_event(channel, user, text, message["ts"], thread_ts, conversation.kind)
        statuses = []
        if f"<@{BOT_USER}>" in text and conversation.kind == "channel":
            statuses.append((await self.sender.event(inbound.app_mention_event(event)))[0])
        statuses.append((await self.sender.event(event))[0])
        return {"ts": message["ts"], "status": max(statuses)}

    async def action(self, request, user: str) -> dict:
        body = await request.json()
        action = {k: body["action"].get(k) for k in ("action_id", "block_id", "type", "value") if body["action"].get(k) is not None}
        if body.get("selected") is not None:
            action["selected_option"] = {"value": body["selected"], "text": {"type": "plain_text", "text": body["selected"]}}
        trigger = self.api.new_trigger(user)
        if body.get("view_id"):
            view = self.api.views.get(body["view_id"])
            if view is None or view["user"] != user:
                raise Refused("That view is not open any more.")
            v = view["view"]
            v = {**v, "state": {"values": state_values(v.get("blocks"), body.get("values") or {})}}
            payload = inbound.block_actions(user, action, trigger, view=v)
        else:
            channel = body.get("channel", "")
            message = self.api.message(channel, body.get("ts", ""))
            conversation = self.model.conversation(channel)
            if message is None or conversation is None or not conversation.visible_to(user):
                raise Refused("That message is not there any more.")
            payload = inbound.block_actions(user, action, trigger, channel=channel,
                                            message=public(message), response_url=self._response_url(user, channel))
        status, _ = await self.sender.interactive(payload)
        return {"status": status}

    async def submit(self, request, user: str) -> dict:
        body = await request.json()
        record = self.api.views.get(body.get("view_id", ""))
        if record is None or record["user"] != user or self.api.modal_of(user) is not record["view"]:
            raise Refused("That dialog is not open any more.")
        view = record["view"]
        values = state_values(view.get("blocks"), body.get("values") or {})
        if errors := missing_required(view.get("blocks"), values):
            return {"errors": errors}
        status, answer = await self.sender.interactive(
            inbound.view_submission(user, view, values, self.api.new_trigger(user)))
        if status != 200:
            return {"errors": {"": f"The app answered {status}; nothing was submitted."}}
        reply = json.loads(answer) if answer.strip().startswith("{") else {}
        what = reply.get("response_action")
        if what == "errors":
            return {"errors": reply.get("errors") or {}}
        if what in ("update", "push"):
            await self.api.answer_submission(user, reply.get("view") or {}, push=what == "push")
            return {"ok": True}
        await self.api.close_modals(user, all_of_them=what == "clear" or len(self.api.modals.get(user, [])) <= 1)
        return {"ok": True}

    async def close_modal(self, request, user: str) -> dict:
        view = self.api.modal_of(user)
        if view is not None and view.get("notify_on_close"):
            await self.sender.interactive(inbound.view_closed(user, view))
        await self.api.close_modals(user, all_of_them=False)
        return {"ok": True}

    async def open_home(self, request, user: str) -> dict:
        found = person(user)
        view_id = self.api.homes.get(user)
        view = self.api.views[view_id]["view"] if view_id else None
        status, _ = await self.sender.event(inbound.app_home_opened_event(user, found.dm, view))
        return {"status": status}

    async def ai_thread(self, request, user: str) -> dict:
        """A new thread in the AI-app view: Slack starts it and tells the app (assistant_thread_started)."""
        found = person(user)
        root = await self.api.start_assistant_thread(found.dm)
        status, _ = await self.sender.event(inbound.assistant_thread_started_event(user, found.dm, root["ts"]))
        return {"thread_ts": root["ts"], "status": status}

    async def shortcut(self, request, user: str) -> dict:
        body = await request.json()
        channel = body.get("channel", "")
        message = self.api.message(channel, body.get("ts", ""))
        if message is None:
            raise Refused("That message is not there any more.")
        payload = inbound.message_action(user, body.get("callback_id", ""), channel, public(message),
                                         self.api.new_trigger(user), self._response_url(user, channel))
        status, _ = await self.sender.interactive(payload)
        return {"status": status}

    async def rewind(self, request, user: str) -> dict:
        body = await request.json()
        return {"result": await self.operators.rewind(user, body.get("thread_id", ""), body.get("checkpoint_id", ""))}

    async def replay(self, request, user: str) -> dict:
        body = await request.json()
        return {"result": await self.operators.replay(user, body.get("thread_id", ""), body.get("checkpoint_id", ""))}

    # -- response_url: Bolt's respond() for commands, shortcuts and clicks ------------------
    def _response_url(self, user: str, channel: str) -> str:
        return f"{self.root_url}/play/respond/{user}/{channel}"

    async def respond(self, request: web.Request) -> web.Response:
        user, channel = request.match_info["user"], request.match_info["channel"]
        body = await request.json()
        await self._respond_with(user, channel, body.get("thread_ts"), body)
        return web.Response(text="ok")

    async def _note_immediate_answer(self, user: str, channel: str, thread_ts: str | None, answer: str) -> None:
        """A slash command's ack may carry a message for the user: Slack shows it to them alone."""
        if answer.strip().startswith("{"):
            await self._respond_with(user, channel, thread_ts, json.loads(answer))
        elif answer.strip():
            await self._respond_with(user, channel, thread_ts, {"text": answer})

    async def _respond_with(self, user: str, channel: str, thread_ts: str | None, body: dict) -> None:
        args = {"channel": channel, "text": body.get("text") or "", "blocks": body.get("blocks"),
                "thread_ts": thread_ts}
        if body.get("response_type") == "in_channel":
            await chat_post_message(self.api, {k: v for k, v in args.items() if v})
        else:
            await chat_post_ephemeral(self.api, {**args, "user": user})


def _guarded(handler):
    """JSON in and out; the acting user from ?user= (the page's "You are" switch)."""
    async def route(request: web.Request) -> web.Response:
        user = request.query.get("user") or DEFAULT_PERSON.user_id
        if person(user) is None:
            return web.json_response({"error": f"no simulated user {user!r}"}, status=400)
        try:
            return web.json_response(await handler(request, user))
        except Refused as exc:
            return web.json_response({"error": str(exc)}, status=409)
        except (ValueError, KeyError, TypeError) as exc:  # a malformed request from the page
            log.info("bad playground request", extra={"path": request.path, "error": type(exc).__name__})
            return web.json_response({"error": "That request was not understood."}, status=400)
    return route


def message_shortcuts() -> list[dict]:
    """Message shortcuts from the app's manifest, when it sits beside the code (a checkout)."""
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / SHORTCUTS_FILE
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    return [{"name": s.get("name"), "callback_id": s.get("callback_id")}
            for s in (manifest.get("features") or {}).get("shortcuts") or [] if s.get("type") == "message"]


def new_secret() -> str:
    return secrets.token_hex(16)
