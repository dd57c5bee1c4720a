"""Which threads exist, how they are doing, and whose they are: ``supportbot threads``.

Checkpoint counts and sizes come from the saver's tables (queries in
``sql/queries.<dialect>.sql``); status from our own tables (the
``operator_thread_status`` view); the message count from each listed
thread's head checkpoint.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from bot import messages as say
from bot.feedback.store import threads_with_vote
from bot.operators.clock import iso
from graph.checkpoint_ids import checkpoint_time

STATUSES = ("idle", "running", "waiting", "error")
THREAD_KEYS = ("thread_id", "last_activity", "status", "messages", "checkpoints", "bytes")


class NeedsDatabase(ValueError):
    """memory:// keeps no tables an operator could look at."""


@dataclass
class ThreadRow:
    thread_id: str
    last_activity: str
    status: str
    messages: int
    checkpoints: int
    bytes: int
    _at: float = 0.0

    def as_json(self) -> dict:
        data = asdict(self)
        return {key: data[key] for key in THREAD_KEYS}


def require_tables(storage) -> None:
    if storage.url.kind == "memory":
        raise NeedsDatabase(say.OP_NEEDS_DATABASE)


def status_of(row: dict | None, now: float, interrupted: bool) -> str:
    """running > waiting > error > idle (see docs/operating.md)."""
    row = row or {}
    if int(row.get("running_items") or 0) > 0 or float(row.get("lease_expires_at") or 0) >= now:
        return "running"
    if int(row.get("pending_approvals") or 0) > 0 or interrupted:
        return "waiting"
    if row.get("last_outcome") == "failed":
        return "error"
    return "idle"


async def threads_of_users(db, users: list[str]) -> set[str]:
    found: set[str] = set()
    for user in users:
        found |= {r["thread_id"] for r in await db.fetchall("operator_threads_of_user", {"user": user})}
    return found


async def list_threads(storage, *, users: list[str] | None = None, status: str | None = None,
                       feedback: str | None = None, since: float = 0.0, limit: int = 50,
                       now: float | None = None) -> list[ThreadRow]:
    """Newest activity first; ``feedback``: only threads with a current vote of that kind."""
    # Imported here: `supportbot --help` reads STATUSES from this module and must not pay for LangGraph.
    from bot.operators.timeline import thread_config

    require_tables(storage)
    now = time.time() if now is None else now
    db = storage.db
    saved = {r["thread_id"]: r for r in await db.fetchall("operator_checkpoint_threads")}
    ours = {r["thread_id"]: r for r in await db.fetchall("operator_thread_status")}
    wanted = set(saved) | set(ours)
    if users:
        wanted &= await threads_of_users(db, users)
    if feedback:
        wanted &= set(await threads_with_vote(db, feedback))

    def last_at(thread_id: str) -> float:
        c, o = saved.get(thread_id) or {}, ours.get(thread_id) or {}
        times = [checkpoint_time(c.get("last_checkpoint_id")), o.get("inbox_at"), o.get("last_activity_at")]
        return max((float(t) for t in times if t), default=0.0)

    rows: list[ThreadRow] = []
    for thread_id in sorted(wanted, key=lambda t: (-last_at(t), t)):
        at = last_at(thread_id)
        if at < since:
            break  # sorted: everything after is older
        head = await storage.checkpointer.aget_tuple(thread_config(thread_id)) if thread_id in saved else None
        values = head.checkpoint.get("channel_values", {}) if head else {}
        interrupted = bool(head and any(w[1] == "__interrupt__" for w in head.pending_writes or []))
        state = status_of(ours.get(thread_id), now, interrupted)
        if status and state != status:
            continue
        c = saved.get(thread_id) or {}
        rows.append(ThreadRow(thread_id, iso(at), state, len(values.get("messages") or []),
                              int(c.get("checkpoints") or 0), int(c.get("bytes") or 0), at))
        if len(rows) >= limit:
            break
    return rows


THREAD_COLUMNS = [("thread_id", "thread_id"), ("last_activity", "last_activity"), ("status", "status"),
                  ("messages", "messages"), ("checkpoints", "checkpoints"), ("size", "size")]
