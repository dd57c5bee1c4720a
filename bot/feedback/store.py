"""Votes on answers: one per user and answer (thread, checkpoint id); a second click changes it."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # blocks.py needs slack_sdk, which `supportbot --help` must not import
    from bot.feedback.blocks import Vote

RECORDED, CHANGED, UNCHANGED = "recorded", "changed", "unchanged"


async def record_vote(db, vote: Vote, user: str, now: float | None = None) -> str:
    """Store ``user``'s vote; says whether it was new, changed or the same again."""
    key = {"thread_id": vote.thread_id, "checkpoint_id": vote.checkpoint_id, "user_id": user}
    async with db.transaction() as tx:
        before = await tx.fetchone("feedback_get", key)
        await tx.execute("feedback_vote", {**key, "vote": vote.vote, "now": time.time() if now is None else now})
    if before is None:
        return RECORDED
    return UNCHANGED if before["vote"] == vote.vote else CHANGED


async def feedback_counts(db, since: float = 0.0) -> dict:
    row = await db.fetchone("feedback_counts", {"since": since}) or {}
    return {"positive": int(row.get("positive") or 0), "negative": int(row.get("negative") or 0)}


async def threads_with_vote(db, vote: str) -> list[str]:
    """Threads with at least one current ``vote``, most recent vote first."""
    return [r["thread_id"] for r in await db.fetchall("feedback_threads_with", {"vote": vote})]
