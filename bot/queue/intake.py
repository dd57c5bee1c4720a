"""What a Slack message becomes: ignored, or one inbox row written before the ack.

The decision is pure (``classify``); ``accept`` does the one write. When the
write fails the exception propagates, Bolt answers 500, and Slack retries.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass

from bot.queue.inbox import Inbox
from bot.metrics import METRICS
from bot.threads import SlackPlace, delivery_key, place_of

# Edits, deletions, joins, topic changes... carry a subtype; these few are still a person writing.
ANSWERED_SUBTYPES = {None, "file_share", "thread_broadcast"}


@dataclass(frozen=True)
class Intake:
    place: SlackPlace
    key: str
    payload: dict
    joins: bool  # this message brings the bot into a channel thread (it was mentioned)


def mentions(text: str, bot_user_id: str | None) -> bool:
    return bool(bot_user_id) and f"<@{bot_user_id}>" in (text or "")


def classify(event: dict, team_id: str | None, bot_user_id: str | None, *, mention_event: bool = False) -> Intake | None:
    """None when the bot should stay quiet about this event."""
    if event.get("subtype") not in ANSWERED_SUBTYPES or event.get("bot_id") or event.get("bot_profile"):
        return None
    user = event.get("user")
    if not user or user == bot_user_id:
        return None
    team = event.get("team") or team_id
    channel, ts = event.get("channel"), event.get("ts")
    if not team or not channel or not ts:
        return None
    place = place_of(team, channel, ts, event.get("thread_ts"), event.get("channel_type"))
    text = event.get("text") or ""
    joins = not place.is_dm and (mention_event or mentions(text, bot_user_id))
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}>\s*", "", text).strip()
    payload = {"text": text, "user": user, "ts": ts, "thread_ts": event.get("thread_ts"),
               "channel": channel, "team": team, "is_dm": place.is_dm}
    return Intake(place, delivery_key(team, channel, ts), payload, joins)


async def accept(inbox: Inbox, intake: Intake, *, require_joined: bool) -> int | None:
    """Store the message (and the bot's joining of its thread) atomically.

    ``require_joined``: a plain channel reply is stored only in threads the bot
    was mentioned in. Returns the new item id, or None (duplicate / not ours).
    Deliveries arriving together share one statement and one commit (bot/queue/ack_batch.py).
    """
    with inbox.acks.storing():  # runs start after it (bot/queue/acks.py)
        return await _store(inbox, intake, require_joined)


async def _store(inbox: Inbox, intake: Intake, require_joined: bool) -> int | None:
    started = time.perf_counter()
    place = intake.place
    params = {"delivery_key": intake.key, "thread_id": place.thread_id, "kind": "message",
              "payload": json.dumps(intake.payload), "now": time.time()}
    if intake.joins or place.is_dm:
        params.update(team_id=place.team_id, channel_id=place.channel_id, thread_ts=place.thread_ts,
                      user_id=intake.payload["user"])
        mode = "join"
    else:
        mode = "if_joined" if require_joined else "insert"
    stored = await inbox.batch.store(mode, params)
    if not stored.ours:
        METRICS.deliveries.labels(outcome="ignored").inc()
        return None
    METRICS.deliveries.labels(outcome="stored" if stored.item_id else "duplicate").inc()
    METRICS.ack_seconds.observe(time.perf_counter() - started)
    return stored.item_id
