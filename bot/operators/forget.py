"""Forget a thread or a user: a GDPR erasure request.

``forget_thread`` takes the thread's lease first (the one a worker holds while
it runs a turn: ``bot/operators/lease.py``), waiting a bounded time for a running
turn and otherwise refusing with a sentence, so no turn can write the thread back
after it. Then, in one transaction, it deletes the thread's inbox and outbox rows,
its conversation row, its approval and feedback rows and its checkpoints, blobs
and writes (``graph/forget.py``), and redacts (keeps, with ``[redacted]`` text)
its audit rows' ``args``/``detail`` and the free text of the demo shop's refunds,
cancellations and tickets, which are business records. The lease row stays: it
holds no text, and its fence must keep growing so a worker that lost the lease
can never write again. ``forget_user`` finds the user's threads and forgets each.

A user's threads: ``conversations.started_by`` is the user, an inbox payload
names the user (any JSON string value equal to the id), ``approvals.requester``
is the user, or the thread's checkpoints name the user (``graph/forget.py``).

On SQLite, ``PRAGMA secure_delete`` is switched on first, so deleted text is
overwritten in the file, not only unlinked, and the write-ahead log is emptied
into the file afterwards (``wal_checkpoint(TRUNCATE)``), so no copy stays in
the ``-wal`` file while the bot runs.
"""

from __future__ import annotations

import json
import logging

from bot import messages as say
from bot.operators.lease import ThreadBusy, operator_owner, thread_lease
from graph.forget import CHECKPOINT_TABLES, forget_checkpoints, threads_naming_user

log = logging.getLogger(__name__)

# Long enough for a turn that is answering to finish, short enough for someone waiting on the answer.
WAIT_SECONDS = 10.0

REDACTED = "[redacted]"
# Tables forget knows what to do with; any other table with a thread_id column is reported.
KNOWN_TABLES = {
    "inbox", "outbox", "conversations", "approvals", "audit_log", "thread_leases", "feedback",
    "shop_refunds", "shop_cancellations", "shop_tickets",
} | CHECKPOINT_TABLES


async def unhandled_tables(storage) -> list[str]:
    """Tables with a thread_id column that forget does not know (a new feature's table)."""
    rows = await storage.db.fetchall("tables_with_thread_id")
    return sorted({r["table_name"] for r in rows} - KNOWN_TABLES - {"schema_migrations"})


async def _erase(storage, thread_id: str) -> dict:
    """Everything of the thread, in one transaction: all of it goes, or none."""
    params = {"thread_id": thread_id}
    counts: dict = {}
    async with storage.db.transaction() as tx:
        counts["inbox"] = await tx.execute("forget_inbox", params)
        counts["outbox"] = await tx.execute("forget_outbox", params)
        counts["conversations"] = await tx.execute("forget_conversation", params)
        counts["approvals"] = await tx.execute("forget_approvals", params)
        counts["feedback"] = await tx.execute("forget_feedback", params)
        counts["audit_log_redacted"] = await tx.execute("forget_redact_audit", params)
        counts["shop_redacted"] = (await tx.execute("forget_redact_refunds", params)
                                   + await tx.execute("forget_redact_cancellations", params)
                                   + await tx.execute("forget_redact_tickets", params))
        counts.update(await forget_checkpoints(storage, tx, thread_id))
    return counts


def found_anything(counts: dict) -> bool:
    """Whether a forget deleted or redacted any row (an unknown thread finds nothing)."""
    return any(isinstance(v, int) and v > 0 for v in counts.values())


async def forget_thread(storage, thread_id: str, *, wait: float | None = None, owner: str | None = None) -> dict:
    """Erase one thread; returns the number of rows deleted (or redacted) per table.

    Raises ``ThreadBusy`` (its message a sentence for the user) when a turn still holds
    the thread after ``wait`` seconds (default ``WAIT_SECONDS``)."""
    wait = WAIT_SECONDS if wait is None else wait
    if storage.db.dialect == "sqlite":
        await storage.db.conn.execute("PRAGMA secure_delete = ON")
    try:
        async with thread_lease(storage.db, thread_id, owner or operator_owner(), wait=wait):
            counts = await _erase(storage, thread_id)
    except ThreadBusy:
        raise ThreadBusy(say.FORGET_BUSY) from None
    wal = await storage.db.checkpoint_wal()
    if wal and wal.get("busy"):
        log.warning("forget: the write-ahead log could not be emptied now (a reader was busy); "
                    "it is at the next checkpoint", extra={"thread_id": thread_id})
    others = await unhandled_tables(storage)
    if others:
        counts["unhandled_tables"] = others
        log.warning("forget: tables with a thread_id column it does not handle",
                    extra={"thread_id": thread_id, "tables": others})
    log.info("thread forgotten", extra={"thread_id": thread_id,
                                        **{k: v for k, v in counts.items() if isinstance(v, int)}})
    return counts


def _names(value, user_id: str) -> bool:
    if isinstance(value, str):
        return value == user_id
    if isinstance(value, dict):
        return any(_names(v, user_id) for v in value.values())
    if isinstance(value, list):
        return any(_names(v, user_id) for v in value)
    return False


async def threads_of_user(storage, user_id: str) -> list[str]:
    """Every thread the user started, wrote in, or asked an approval in."""
    if not user_id:
        return []
    params = {"user_id": user_id}
    threads: set[str] = set()
    threads.update(r["thread_id"] for r in await storage.db.fetchall("forget_threads_started_by", params))
    threads.update(r["thread_id"] for r in await storage.db.fetchall("forget_threads_requested_by", params))
    for row in await storage.db.fetchall("forget_inbox_naming", params):
        try:
            payload = json.loads(row["payload"])
        except (TypeError, ValueError):
            payload = row["payload"]
        if _names(payload, user_id):
            threads.add(row["thread_id"])
    threads |= await threads_naming_user(storage, user_id, threads)
    return sorted(threads)


async def forget_user(storage, user_id: str) -> dict:
    """Erase every thread of the user; returns ``{"threads": [...], <table>: count, ...}``, and
    ``"busy": [...]``, the threads a running turn kept (the rest are erased; run it again)."""
    threads = await threads_of_user(storage, user_id)
    totals: dict = {"threads": threads}
    for thread_id in threads:
        try:
            counts = await forget_thread(storage, thread_id)
        except ThreadBusy:
            totals.setdefault("busy", []).append(thread_id)
            continue
        for key, value in counts.items():
            if isinstance(value, int):
                totals[key] = totals.get(key, 0) + value
            else:
                totals[key] = value
    # Their votes on other people's answers name them too.
    totals["feedback"] = totals.get("feedback", 0) + await storage.db.execute("forget_feedback_of_user",
                                                                              {"user_id": user_id})
    log.info("user forgotten", extra={"threads": len(threads)})
    return totals
