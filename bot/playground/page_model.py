"""What the page shows, as JSON: conversations, messages, modals and the Home tab,
with Block Kit already turned into HTML (``blockkit``)."""

from __future__ import annotations

from bot.approvals.card import APPROVE_ACTION
from bot.playground.blockkit import Renderer
from bot.playground.people import BOT_NAME, BOT_USER, PEOPLE, Conversation, person
from bot.playground.slack_api import SlackWebAPI
from bot.playground.text import EMOJI, mrkdwn
from bot.threads import place_of


class PageModel:
    def __init__(self, api: SlackWebAPI, conversations: list[Conversation]) -> None:
        self.api = api
        self.conversations = conversations
        self.render = Renderer(self.name_of)

    def name_of(self, some_id: str) -> str | None:
        if some_id == BOT_USER:
            return BOT_NAME
        if found := person(some_id):
            return found.real_name
        conversation = self.conversation(some_id)
        return conversation.name if conversation else None

    def conversation(self, channel: str) -> Conversation | None:
        return next((c for c in self.conversations if c.channel_id == channel), None)

    def workspace(self, user: str) -> dict:
        visible = [c for c in self.conversations if c.visible_to(user)]
        return {
            "me": user,
            "people": [{"id": p.user_id, "name": p.real_name, "email": p.email, "role": p.role} for p in PEOPLE],
            "conversations": [{"id": c.channel_id, "name": c.name, "kind": c.kind} for c in visible],
            "has_home": user in self.api.homes,
            "notices": self.notices(user, visible),
        }

    def notices(self, user: str, visible: list[Conversation]) -> list[str]:
        """Cards waiting where ``user`` cannot see them, and where they can act instead."""
        seen = {c.channel_id for c in visible}
        hidden = [c for c in self.conversations if c.channel_id not in seen
                  and any(_has_button(m, APPROVE_ACTION) for m in self.api.timeline(c.channel_id))]
        if not hidden:
            return []
        places = ["the Home tab"] if user in self.api.homes else []
        places += [f"#{c.name}" for c in visible if c.kind == "channel" and c.name == "approvals"]
        where = " or ".join(places) or "nowhere yet (set SUPPORTBOT_APPROVAL_CHANNEL)"
        return [f"An approval card waits in a conversation you can't see ({', '.join(self._title(c) for c in hidden)}). "
                f"You can act on it from {where}."]

    def _title(self, c: Conversation) -> str:
        if c.kind == "im":
            owner = person(c.members[0])
            return f"{owner.real_name if owner else c.members[0]}'s DM"
        return f"#{c.name}"

    def message(self, channel: str, message: dict) -> dict:
        user = message.get("user") or ""
        conversation = self.conversation(channel)
        place = place_of("TPLAYGROUND", channel, message["ts"], message.get("thread_ts"),
                         "im" if conversation and conversation.kind == "im" else "channel")
        return {
            "channel": channel, "ts": message["ts"], "thread_ts": message.get("thread_ts"),
            "user": user, "author": self.name_of(user) or user, "is_bot": bool(message.get("bot_id")),
            "html": self.render.message(message), "edited": bool(message.get("edited")),
            "streaming": bool(message.get("_streaming")),
            "reactions": [{"name": r["name"], "emoji": EMOJI.get(r["name"], f":{r['name']}:"), "count": r.get("count", 0)}
                          for r in message.get("reactions") or []],
            "thread_id": place.thread_id,
        }

    def channel(self, user: str, channel: str) -> dict:
        conversation = self.conversation(channel)
        if conversation is None or not conversation.visible_to(user):
            return {"channel": channel, "visible": False, "messages": [], "ephemerals": [], "assistant": []}
        ephemerals = [{"channel": e["channel"], "ts": e["ts"], "thread_ts": e.get("thread_ts"),
                       "html": self.render.blocks(e["blocks"]) if e.get("blocks") else mrkdwn(e["text"], self.name_of)}
                      for e in self.api.ephemerals if e["user"] == user and e["channel"] == channel]
        assistant = [{"thread_ts": ts, "status": s.get("status", ""), "title": s.get("title", ""),
                      "prompts": (s.get("prompts") or {}).get("prompts", [])}
                     for (ch, ts), s in self.api.assistant.items() if ch == channel]
        return {"channel": channel, "visible": True, "name": conversation.name, "kind": conversation.kind,
                "messages": [self.message(channel, m) for m in self.api.timeline(channel)],
                "ephemerals": ephemerals, "assistant": assistant}

    def modal(self, user: str) -> dict | None:
        view = self.api.modal_of(user)
        return {"id": view["id"], **self.render.view(view)} if view else None

    def home(self, user: str) -> dict | None:
        view_id = self.api.homes.get(user)
        if view_id is None:
            return None
        view = self.api.views[view_id]["view"]
        return {"id": view_id, **self.render.view(view)}


def _has_button(message: dict, action_id: str) -> bool:
    return any(e.get("action_id") == action_id for b in message.get("blocks") or [] if b.get("type") == "actions"
               for e in b.get("elements") or [])
