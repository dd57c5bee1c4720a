"""Streaming an answer into a Slack thread while the model writes it.

Slack's ``chat.startStream`` / ``appendStream`` / ``stopStream`` work inside a
thread; at the top level of a DM, or when Slack refuses, the answer is posted
whole once the run ends (post-and-update). The stream's message is recorded in
the outbox under the answer's key as soon as it exists, so the post after the
run (``SlackOut.post``) finds it and, if the stream was cut short by a crash,
completes it with ``chat.update`` instead of posting a second answer.
"""

from __future__ import annotations

import logging
import time

from langchain_core.messages import AIMessageChunk
from slack_sdk.errors import SlackApiError

from bot.queue.inbox import Lease
from bot.slack.render import MAX_MARKDOWN
from bot.slack.outbox import METADATA_EVENT, SlackOut
from bot.threads import SlackPlace

log = logging.getLogger(__name__)

FLUSH_CHARS = 256  # slack_sdk's own chat_stream buffers this much; appendStream is rate-limited


def answer_key(thread_id: str, message_id: str, part: int = 0) -> str:
    return f"{thread_id}:answer:{message_id}:{part}"


class AnswerStream:
    def __init__(self, slack: SlackOut, lease: Lease, place: SlackPlace, user: str | None) -> None:
        self.slack, self.lease, self.place, self.user = slack, lease, place, user
        self.enabled = bool(place.thread_ts)
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

    async def _flush(self) -> None:
        text, self.pending = self.pending, ""
        try:
            if self.ts is None:
                await self._start(text)
            else:
                self.lease.check()
                await self.slack.client.chat_appendStream(channel=self.place.channel_id, ts=self.ts, markdown_text=text)
            self.sent += text
        except SlackApiError as exc:
            log.info("streaming refused; the answer will be posted whole",
                     extra={"thread_id": self.place.thread_id, "error": exc.response.get("error")})
            self.enabled = False

    async def _start(self, text: str) -> None:
        key = answer_key(self.place.thread_id, self.message_id)
        if await self.slack.db.fetchone("outbox_get", {"outbox_key": key}) is not None:
            self.enabled = False  # a replay: this answer was already (being) posted
            return
        self.lease.check()
        await self.slack.db.execute("outbox_insert", {
            "outbox_key": key, "thread_id": self.place.thread_id, "channel_id": self.place.channel_id,
            "thread_ts": self.place.thread_ts, "kind": "reply", "body": "", "fence": self.lease.fence,
            "now": time.time()})
        response = await self.slack.client.chat_startStream(
            channel=self.place.channel_id, thread_ts=self.place.thread_ts, markdown_text=text,
            recipient_team_id=self.place.team_id, recipient_user_id=self.user)
        self.ts = response["ts"]
        await self.slack.db.execute("outbox_streaming", {"outbox_key": key, "slack_ts": self.ts})

    async def finish(self, final_text: str | None) -> None:
        """Close the stream with the answer's final text (the run is over)."""
        if self.ts is None or self.message_id is None:
            return
        key = answer_key(self.place.thread_id, self.message_id)
        complete = (final_text is not None and len(final_text) <= MAX_MARKDOWN
                    and final_text.startswith(self.sent))
        # Not complete (too long, or not the final answer): stop here; the post
        # after the run replaces the streamed text with the answer's first part.
        rest = final_text[len(self.sent):] if complete else (self.pending if final_text is None else None)
        try:
            await self.slack.client.chat_stopStream(
                channel=self.place.channel_id, ts=self.ts, markdown_text=rest or None,
                metadata={"event_type": METADATA_EVENT, "event_payload": {"key": key}})
        except SlackApiError as exc:
            log.info("could not stop the stream; the answer will replace it",
                     extra={"thread_id": self.place.thread_id, "error": exc.response.get("error")})
            return
        if complete:
            await self.slack.db.execute("outbox_posted", {"outbox_key": key, "slack_ts": self.ts, "now": time.time()})
