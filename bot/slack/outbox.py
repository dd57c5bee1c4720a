"""Everything the worker sends to Slack, through the outbox so nothing is posted twice.

This module owns the outbox: its state machine (post, stream start / append /
finish, update, find-after-crash) and every outbox key format. A post is
recorded in ``outbox`` (fenced by the thread's lease) before it is sent, and
carries its outbox key in Slack message metadata: if we crash after Slack
accepted the post but before we recorded its ts, the next attempt finds the
message in the thread and records it instead of posting again. A streamed
answer is recorded under its key as soon as its message exists, so the post
after the run finds it and, if the stream was cut short, completes it with
``chat.update`` instead of posting a second answer.

A run binds the outbox once to its lease and Slack place (``SlackOut.to``):
call sites read ``out.post(key, text)``.
"""

from __future__ import annotations

import logging
import time
from typing import Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.queue.inbox import Lease, LeaseLost
from bot.slack.render import build_reply
from bot.threads import SlackPlace
from graph.db import Database

log = logging.getLogger(__name__)

METADATA_EVENT = "supportbot_post"
STATUS_REACTION = "hourglass_flowing_sand"

# Fault-injection point: called with the outbox key after Slack accepted a post
# and before the outbox records it, the narrowest crash window. Empty in
# production; the durability tests install a hook in the bot process.
after_send: list[Callable[[str], None]] = []


# -- outbox keys: a key names one message for good (in the row and in Slack's
# metadata), so a format never changes once shipped ---------------------------

def answer_key(thread_id: str, message_id: str, part: int = 0) -> str:
    return f"{thread_id}:answer:{message_id}:{part}"


def too_long_key(thread_id: str, delivery_key: str) -> str:
    return f"{thread_id}:too-long:{delivery_key}"


def held_key(thread_id: str, delivery_key: str) -> str:
    return f"{thread_id}:held:{delivery_key}"


def error_key(thread_id: str, item_id: int) -> str:
    return f"{thread_id}:error:{item_id}"


def notice_key(thread_id: str, item_id: int) -> str:
    """The delay notice of the turn whose oldest item is ``item_id``: one per turn, across retries."""
    return f"{thread_id}:notice:{item_id}"


def approval_card_key(interrupt_id: str) -> str:
    return f"approval:{interrupt_id}"


def approval_note_key(thread_id: str, interrupt_id: str) -> str:
    return f"{thread_id}:approval-note:{interrupt_id}"


def card_failed_key(thread_id: str, interrupt_id: str) -> str:
    return f"{thread_id}:card-failed:{interrupt_id}"


def rewind_key(thread_id: str, new_head: str) -> str:
    return f"{thread_id}:rewind:{new_head}"


class SlackOut:
    def __init__(self, client: AsyncWebClient, db: Database) -> None:
        self.client = client
        self.db = db

    def to(self, lease: Lease, place: SlackPlace) -> "ThreadOut":
        """This outbox bound to one run's lease and Slack place."""
        return ThreadOut(self, lease, place)

    async def post(self, lease: Lease, key: str, place: SlackPlace, markdown: str, kind: str = "reply",
                   blocks: list[dict] | None = None) -> str:
        """Post once per ``key``; returns the message ts (the earlier one if already posted).

        ``blocks`` (e.g. an approval card) replace the markdown rendering, which
        is then the notification text; the caller rebuilds them on a retry.
        """
        row = await self._begin(lease, key, place, markdown, kind)
        if row["status"] == "posted":
            return row["slack_ts"]
        if row["status"] == "streaming" and row["slack_ts"]:
            # A stream cut short (crash, Slack refused to stop it): make it the whole answer.
            await self.client.chat_update(channel=place.channel_id, ts=row["slack_ts"], **_message(markdown, blocks))
            await self._mark_posted(key, row["slack_ts"])
            return row["slack_ts"]
        if row["attempts"] > 1:  # an earlier attempt may have reached Slack before we crashed
            found = await self._find_posted(place, key)
            if found:
                await self._mark_posted(key, found)
                return found
        return await self._send(lease, key, place, markdown, blocks)

    async def replace(self, lease: Lease, key: str, place: SlackPlace, markdown: str, *, over: str,
                      kind: str = "reply") -> str:
        """Post ``key`` by rewriting the message posted under ``over`` (chat.update), so the
        thread shows one message where two were due; a plain post when ``over`` was never posted."""
        earlier = await self.db.fetchone("outbox_get", {"outbox_key": over})
        if earlier is None or earlier["status"] != "posted" or not earlier["slack_ts"]:
            return await self.post(lease, key, place, markdown, kind)
        row = await self._begin(lease, key, place, markdown, kind)
        if row["status"] != "posted":  # rewriting twice (a retry after a crash) shows the same text
            await self.update(place.channel_id, earlier["slack_ts"], **_message(markdown, None))
            await self._mark_posted(key, earlier["slack_ts"])
        return earlier["slack_ts"]

    async def update(self, channel: str, ts: str, **message) -> None:
        """Redraw a message we posted earlier (e.g. a voided approval card)."""
        await self.client.chat_update(channel=channel, ts=ts, **message)

    # -- streaming: start / append / finish ---------------------------------------
    async def stream_start(self, lease: Lease, key: str, place: SlackPlace, markdown: str,
                           user: str | None) -> str | None:
        """Open a streamed reply recorded under ``key``; None if the key has a row already (a replay)."""
        if await self.db.fetchone("outbox_get", {"outbox_key": key}) is not None:
            return None
        await self._record(lease, key, place, "reply", "")
        response = await self.client.chat_startStream(
            channel=place.channel_id, thread_ts=place.thread_ts, markdown_text=markdown,
            recipient_team_id=place.team_id, recipient_user_id=user)
        await self.db.execute("outbox_streaming", {"outbox_key": key, "slack_ts": response["ts"]})
        return response["ts"]

    async def stream_append(self, lease: Lease, place: SlackPlace, ts: str, markdown: str) -> None:
        lease.check()
        await self.client.chat_appendStream(channel=place.channel_id, ts=ts, markdown_text=markdown)

    async def stream_finish(self, key: str, place: SlackPlace, ts: str, markdown: str | None,
                            *, complete: bool, blocks: list[dict] | None = None) -> None:
        """Stop the stream with its last text; ``complete``: it is the whole answer, record it posted.
        ``blocks`` (the feedback buttons) go under the streamed text."""
        await self.client.chat_stopStream(
            channel=place.channel_id, ts=ts, markdown_text=markdown or None, blocks=blocks or None,
            metadata={"event_type": METADATA_EVENT, "event_payload": {"key": key}})
        if complete:
            await self._mark_posted(key, ts)

    # -- the state machine's steps ------------------------------------------------
    async def _begin(self, lease: Lease, key: str, place: SlackPlace, markdown: str, kind: str) -> dict:
        lease.check()
        # One statement: recorded (fenced), an attempt counted if it is still to be sent.
        row = await self.db.fetchone("outbox_begin", {
            "outbox_key": key, "thread_id": place.thread_id, "channel_id": place.channel_id,
            "thread_ts": place.thread_ts, "kind": kind, "body": markdown, "fence": lease.fence, "now": time.time(),
        })
        if row is None:
            raise LeaseLost(f"lease on {place.thread_id} lost before posting")
        return row

    async def _record(self, lease: Lease, key: str, place: SlackPlace, kind: str, body: str) -> None:
        lease.check()
        await self.db.execute("outbox_insert", {
            "outbox_key": key, "thread_id": place.thread_id, "channel_id": place.channel_id,
            "thread_ts": place.thread_ts, "kind": kind, "body": body, "fence": lease.fence, "now": time.time(),
        })

    async def _send(self, lease: Lease, key: str, place: SlackPlace, markdown: str,
                    blocks: list[dict] | None = None) -> str:
        lease.check()
        try:
            response = await self.client.chat_postMessage(
                channel=place.channel_id,
                thread_ts=place.thread_ts,
                metadata={"event_type": METADATA_EVENT, "event_payload": {"key": key}},
                unfurl_links=False,
                **_message(markdown, blocks),
            )
        except SlackApiError as exc:
            await self.db.execute("outbox_failed", {"outbox_key": key, "error": str(exc.response.get("error"))})
            raise
        for hook in after_send:
            hook(key)
        await self._mark_posted(key, response["ts"])
        return response["ts"]

    async def _mark_posted(self, key: str, ts: str) -> None:
        await self.db.execute("outbox_posted", {"outbox_key": key, "slack_ts": ts, "now": time.time()})

    async def _find_posted(self, place: SlackPlace, key: str) -> str | None:
        """After a crash: the message Slack already took under ``key``, found by its metadata."""
        try:
            if place.thread_ts:
                response = await self.client.conversations_replies(
                    channel=place.channel_id, ts=place.thread_ts, include_all_metadata=True, limit=200)
            else:
                response = await self.client.conversations_history(
                    channel=place.channel_id, include_all_metadata=True, limit=100)
        except SlackApiError as exc:
            log.warning("could not check Slack for an earlier post", extra={
                "thread_id": place.thread_id, "error": exc.response.get("error")})
            return None
        for message in response.get("messages", []):
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == METADATA_EVENT and (metadata.get("event_payload") or {}).get("key") == key:
                return message["ts"]
        return None

    # -- "is thinking…" ------------------------------------------------------
    async def thinking(self, channel: str, ts: str, on: bool) -> None:
        """A reaction on the user's message while we work; errors here never stop a run."""
        try:
            if on:
                await self.client.reactions_add(channel=channel, timestamp=ts, name=STATUS_REACTION)
            else:
                await self.client.reactions_remove(channel=channel, timestamp=ts, name=STATUS_REACTION)
        except SlackApiError as exc:
            if exc.response.get("error") not in ("already_reacted", "no_reaction", "message_not_found"):
                log.info("status reaction failed", extra={"channel": channel, "error": exc.response.get("error")})
        except Exception:  # network trouble: the status is cosmetic
            log.info("status reaction failed", exc_info=True)


def _message(markdown: str, blocks: list[dict] | None) -> dict:
    """text + blocks of a post: the markdown rendering, unless ``blocks`` replace it."""
    return {"text": build_reply(markdown)["text"], "blocks": blocks} if blocks else build_reply(markdown)


class ThreadOut:
    """The outbox for one run: its lease fences every write, its place is where posts go."""

    def __init__(self, outbox: SlackOut, lease: Lease, place: SlackPlace) -> None:
        self.outbox, self.lease, self.place = outbox, lease, place

    async def post(self, key: str, markdown: str, *, kind: str = "reply", blocks: list[dict] | None = None,
                   place: SlackPlace | None = None) -> str:
        """``place``: somewhere else than the run's thread (an approval channel), same lease."""
        return await self.outbox.post(self.lease, key, place or self.place, markdown, kind, blocks)

    async def replace(self, key: str, markdown: str, *, over: str, kind: str = "reply") -> str:
        return await self.outbox.replace(self.lease, key, self.place, markdown, over=over, kind=kind)

    async def stream_start(self, key: str, markdown: str, user: str | None) -> str | None:
        return await self.outbox.stream_start(self.lease, key, self.place, markdown, user)

    async def stream_append(self, ts: str, markdown: str) -> None:
        await self.outbox.stream_append(self.lease, self.place, ts, markdown)

    async def stream_finish(self, key: str, ts: str, markdown: str | None, *, complete: bool,
                            blocks: list[dict] | None = None) -> None:
        await self.outbox.stream_finish(key, self.place, ts, markdown, complete=complete, blocks=blocks)

    async def thinking(self, ts: str, on: bool) -> None:
        await self.outbox.thinking(self.place.channel_id, ts, on)
