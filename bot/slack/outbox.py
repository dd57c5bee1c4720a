"""Everything the worker sends to Slack, through the outbox so nothing is posted twice.

A post is recorded in ``outbox`` (fenced by the thread's lease) before it is
sent, and carries its outbox key in Slack message metadata: if we crash after
Slack accepted the post but before we recorded its ts, the next attempt finds
the message in the thread and records it instead of posting again.
"""

from __future__ import annotations

import logging
import os
import signal
import time

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.queue.inbox import Lease, LeaseLost
from bot.slack.render import build_reply
from bot.threads import SlackPlace
from graph.db import Database

log = logging.getLogger(__name__)

METADATA_EVENT = "supportbot_post"
STATUS_REACTION = "hourglass_flowing_sand"
# Tests only (tests/durability): crash in the narrowest window, after Slack took a
# post and before the outbox recorded it.
TEST_KILL_AFTER_POST = os.environ.get("SUPPORTBOT_TEST_KILL_AFTER_POST") == "1"


class SlackOut:
    def __init__(self, client: AsyncWebClient, db: Database) -> None:
        self.client = client
        self.db = db

    async def post(self, lease: Lease, key: str, place: SlackPlace, markdown: str, kind: str = "reply",
                   blocks: list[dict] | None = None) -> str:
        """Post once per ``key``; returns the message ts (the earlier one if already posted).

        ``blocks`` (e.g. an approval card) replace the markdown rendering, which
        is then the notification text; the caller rebuilds them on a retry.
        """
        row = await self.db.fetchone("outbox_get", {"outbox_key": key})
        if row is None:
            lease.check()
            await self.db.execute("outbox_insert", {
                "outbox_key": key, "thread_id": place.thread_id, "channel_id": place.channel_id,
                "thread_ts": place.thread_ts, "kind": kind, "body": markdown,
                "fence": lease.fence, "now": time.time(),
            })
            row = await self.db.fetchone("outbox_get", {"outbox_key": key})
            if row is None:
                raise LeaseLost(f"lease on {place.thread_id} lost before posting")
        if row["status"] == "posted":
            return row["slack_ts"]
        if row["status"] == "streaming" and row["slack_ts"]:
            # A stream cut short (crash, Slack refused to stop it): make it the whole answer.
            await self.client.chat_update(channel=place.channel_id, ts=row["slack_ts"], **build_reply(markdown))
            await self._mark_posted(key, row["slack_ts"])
            return row["slack_ts"]
        if row["attempts"] > 0:
            found = await self._find_posted(place, key)
            if found:
                await self._mark_posted(key, found)
                return found
        return await self._send(lease, key, place, markdown, blocks)

    async def _send(self, lease: Lease | None, key: str, place: SlackPlace, markdown: str,
                    blocks: list[dict] | None = None) -> str:
        await self.db.execute("outbox_attempt", {"outbox_key": key})
        if lease is not None:
            lease.check()
        try:
            response = await self.client.chat_postMessage(
                channel=place.channel_id,
                thread_ts=place.thread_ts,
                metadata={"event_type": METADATA_EVENT, "event_payload": {"key": key}},
                unfurl_links=False,
                **({"text": markdown, "blocks": blocks} if blocks else build_reply(markdown)),
            )
        except SlackApiError as exc:
            await self.db.execute("outbox_failed", {"outbox_key": key, "error": str(exc.response.get("error"))})
            raise
        if TEST_KILL_AFTER_POST:
            os.kill(os.getpid(), signal.SIGKILL)
        await self._mark_posted(key, response["ts"])
        return response["ts"]

    async def _mark_posted(self, key: str, ts: str) -> None:
        await self.db.execute("outbox_posted", {"outbox_key": key, "slack_ts": ts, "now": time.time()})

    async def _find_posted(self, place: SlackPlace, key: str) -> str | None:
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
