"""Slack Web API methods that describe the workspace rather than change messages:
who the bot is, users, bots, channels, user groups, views and assistant status.
Mixed into FakeSlack; `self.users` and `self.usergroups` are set by tests."""

from __future__ import annotations

import itertools

BOT_USER, BOT_ID, TEAM = "UBOT", "BBOT", "T1"

# The demo shop's customers as Slack users (users.info profile emails, as seeded in sql/):
# UADA owns orders 1001 and 1002, UALAN 1003, UGRACE 1004 and 1005, and so on.
# UGUEST has no email (a guest account, or an app without users:read.email); other users
# get no email either unless a test sets one in ``users``.
CUSTOMERS = {
    "UADA": ("Ada Lovelace", "ada@example.com"), "UALAN": ("Alan Turing", "alan@example.com"),
    "UGRACE": ("Grace Hopper", "grace@example.com"), "ULINUS": ("Linus Torvalds", "linus@example.com"),
    "UBARBARA": ("Barbara Liskov", "barbara@example.com"), "UKEN": ("Ken Thompson", "ken@example.com"),
    "UMARGARET": ("Margaret Hamilton", "margaret@example.com"),
}


class SlackDirectory:
    _views = itertools.count(1)

    def _api_auth_test(self, p):
        return {"ok": True, "url": "https://test.slack.com/", "team": "Test", "user": "supportbot",
                "team_id": TEAM, "user_id": BOT_USER, "bot_id": BOT_ID, "is_enterprise_install": False}

    def _api_conversations_info(self, p):
        channel = p.get("channel", "")
        return {"ok": True, "channel": {"id": channel, "name": channel.lower(), "is_channel": channel[:1] == "C",
                                        "is_im": channel[:1] == "D", "is_private": channel[:1] == "G",
                                        "is_member": True}}

    def _api_users_info(self, p):
        user = p.get("user", "")
        name, email = CUSTOMERS.get(user, (f"User {user}", None))
        profile = {"real_name": name, "display_name": user.lower(), **({"email": email} if email else {})}
        info = {"id": user, "team_id": TEAM, "name": user.lower(), "real_name": name,
                "is_bot": False, "deleted": False, "tz": "UTC", "profile": profile}
        if user == "UGUEST":
            info.update(is_restricted=True, is_ultra_restricted=True)
        return {"ok": True, "user": {**info, **self.users.get(user, {})}}

    def _api_bots_info(self, p):
        bot = p.get("bot", BOT_ID)
        return {"ok": True, "bot": {"id": bot, "deleted": False, "name": "supportbot", "app_id": "A1",
                                    "user_id": BOT_USER if bot == BOT_ID else f"U{bot}"}}

    def _api_usergroups_users_list(self, p):
        users = self.usergroups.get(p.get("usergroup", ""))
        return {"ok": True, "users": list(users)} if users is not None else {"ok": False, "error": "no_such_subteam"}

    def _api_views_open(self, p):
        view = p.get("view") or {}
        view_id = p.get("view_id") or f"V{next(self._views):04d}"
        return {"ok": True, "view": {**view, "id": view_id, "hash": f"h{view_id}", "team_id": TEAM}}

    _api_views_update = _api_views_publish = _api_views_push = _api_views_open

    def _api_assistant_threads_setStatus(self, p):
        if not p.get("channel_id") or not p.get("thread_ts") or "status" not in p:
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True}

    def _api_assistant_threads_setSuggestedPrompts(self, p):
        if not p.get("channel_id") or not isinstance(p.get("prompts"), list) or not p["prompts"]:
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True}

    def _api_assistant_threads_setTitle(self, p):
        if not p.get("channel_id") or not p.get("thread_ts") or not p.get("title"):
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True}
