"""Streaming an answer into a Slack thread while the model writes it.

Slack's ``chat.startStream`` / ``appendStream`` / ``stopStream`` work inside a
thread; at the top level of a DM, or when Slack refuses, the answer is posted
whole once the run ends (post-and-update). What is recorded where, and how a
stream cut short is completed, is the outbox's business (``bot/slack/outbox.py``);
this module decides when to flush and what the stream's last text is.
"""

from __future__ import annotations

import logging

from langchain_core.messages import AIMessageChunk
from slack_sdk.errors import SlackApiError

from bot.slack.outbox import ThreadOut, answer_key
from bot.slack.render import MAX_MARKDOWN

log = logging.getLogger(__name__)

FLUSH_CHARS = 256  # slack_sdk's own chat_stream buffers this much; appendStream is rate-limited


class AnswerStream:
    def __init__(self, out: ThreadOut, user: str | None) -> None:
        self.out, self.user = out, user
        self.enabled = bool(out.place.thread_ts)
        self.message_id: str | None = None
        self.ts: str | None = None
        self.sent = ""
        self.pending = ""

    async def feed(self, chunk: AIMessageChunk) -> None:
        if not self.enabled or chunk.tool_call_chunks or not isinstance(chunk.content, str) or not chunk.content:
            return
        if self.message_id not in (None, chunk.id):
            return  # one streamed message per run; later ones are posted whole
        self.message_id = chunk.id
        self.pending += chunk.content
        if len(self.sent) + len(self.pending) > MAX_MARKDOWN:
            self.enabled = False  # too long for one message: the post after the run splits it
            return
        if len(self.pending) >= FLUSH_CHARS:
            await self._flush()

    def _key(self) -> str:
        return answer_key(self.out.place.thread_id, self.message_id)

    async def _flush(self) -> None:
        text, self.pending = self.pending, ""
        try:
            if self.ts is None:
                self.ts = await self.out.stream_start(self._key(), text, self.user)
                if self.ts is None:
                    self.enabled = False  # a replay: this answer was already (being) posted
                    return
            else:
                await self.out.stream_append(self.ts, text)
            self.sent += text
        except SlackApiError as exc:
            log.info("streaming refused; the answer will be posted whole",
                     extra={"thread_id": self.out.place.thread_id, "error": exc.response.get("error")})
            self.enabled = False

    async def finish(self, final_text: str | None, blocks: list[dict] | None = None) -> None:
        """Close the stream with the answer's final text (the run is over); ``blocks``
        (the feedback buttons) go under a complete answer."""
        if self.ts is None or self.message_id is None:
            return
        complete = (final_text is not None and len(final_text) <= MAX_MARKDOWN
                    and final_text.startswith(self.sent))
        # Not complete (too long, or not the final answer): stop here; the post
        # after the run replaces the streamed text with the answer's first part.
        rest = final_text[len(self.sent):] if complete else (self.pending if final_text is None else None)
        try:
            await self.out.stream_finish(self._key(), self.ts, rest, complete=complete,
                                         blocks=blocks if complete else None)
        except SlackApiError as exc:
            log.info("could not stop the stream; the answer will replace it",
                     extra={"thread_id": self.out.place.thread_id, "error": exc.response.get("error")})
