"""What a user sees while a turn runs.

In an AI-app thread (a DM thread with the app) it is Slack's assistant status
line, ``assistant.threads.setStatus``: "is looking up order 1003…" while that
tool runs, "is thinking…" otherwise, cleared when the turn ends; the thread's
title comes from its first message. Elsewhere (channel threads, a DM's top
level) the assistant API does not apply and the reaction on the user's message
stays (``SlackOut.thinking``). A status is cosmetic: a failure here is logged
and never stops a run; if Slack refuses the status, the reaction takes over.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot import messages as say
from bot.slack.outbox import SlackOut
from bot.threads import SlackPlace

log = logging.getLogger(__name__)


def tool_status(tool: str, args: dict) -> str:
    """"is looking up order 1003…" for a tool call about to run."""
    words = say.TOOL_STATUS.get(tool)
    try:
        return words.format(**args) if words else say.TOOL_STATUS_OTHER.format(tool=tool)
    except (KeyError, IndexError, ValueError):
        return say.TOOL_STATUS_OTHER.format(tool=tool)


def thread_title(text: str) -> str:
    line = " ".join((text or "").split())
    return line if len(line) <= say.TITLE_CHARS else line[: say.TITLE_CHARS - 1].rstrip() + "…"


def in_ai_thread(place: SlackPlace) -> bool:
    return place.is_dm and bool(place.thread_ts)


class TurnStatus:
    def __init__(self, slack: SlackOut, place: SlackPlace, message_ts: str | None) -> None:
        self.slack, self.place, self.message_ts = slack, place, message_ts
        self.assistant = in_ai_thread(place)
        self.reacted = False
        self.shown: str | None = None

    async def start(self, first_text: str | None = None) -> None:
        """``first_text``: the thread's first message, which names it."""
        if self.assistant and first_text:
            await self._call("title", self.slack.client.assistant_threads_setTitle(
                channel_id=self.place.channel_id, thread_ts=self.place.thread_ts, title=thread_title(first_text)))
        await self.show(say.THINKING)

    async def show(self, status: str) -> None:
        if self.assistant:
            if status == self.shown:
                return
            if await self._call("status", self.slack.client.assistant_threads_setStatus(
                    channel_id=self.place.channel_id, thread_ts=self.place.thread_ts, status=status)):
                self.shown = status
                return
            self.assistant = False  # refused (not an AI-app thread after all): the reaction instead
        if self.message_ts and not self.reacted:
            await self.slack.thinking(self.place.channel_id, self.message_ts, True)
            self.reacted = True

    async def tool(self, name: str, args: dict) -> None:
        await self.show(tool_status(name, args))

    async def clear(self) -> None:
        if self.assistant and self.shown:
            await self._call("status", self.slack.client.assistant_threads_setStatus(
                channel_id=self.place.channel_id, thread_ts=self.place.thread_ts, status=""))
            self.shown = None
        if self.reacted:
            await self.slack.thinking(self.place.channel_id, self.message_ts, False)
            self.reacted = False

    async def _call(self, what: str, call) -> bool:
        try:
            await call
            return True
        except SlackApiError as exc:
            log.info(f"assistant {what} refused", extra={"thread_id": self.place.thread_id,
                                                          "error": exc.response.get("error")})
        except Exception:  # network trouble: the status is cosmetic
            log.info(f"assistant {what} failed", extra={"thread_id": self.place.thread_id}, exc_info=True)
        return False
