"""Forget a thread or a user: a GDPR erasure request.

``forget_thread`` deletes the thread's inbox and outbox rows, its conversation
row, its approval and feedback rows and an expired lease row; it redacts (keeps, with
``[redacted]`` text) its audit rows' ``args``/``detail`` and the free text of
the demo shop's refunds, cancellations and tickets, which are business
records; then its checkpoints go (``graph/forget.py``). ``forget_user`` finds
the user's threads and forgets each.

A user's threads: ``conversations.started_by`` is the user, an inbox payload
names the user (any JSON string value equal to the id), ``approvals.requester``
is the user, or the thread's checkpoints name the user (``graph/forget.py``).

On SQLite, ``PRAGMA secure_delete`` is switched on for both connections first,
so deleted text is overwritten in the file, not only unlinked.
"""

from __future__ import annotations

import json
import logging
import time

from graph.forget import CHECKPOINT_TABLES, forget_checkpoints, secure_delete_checkpoints, threads_naming_user

log = logging.getLogger(__name__)

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


async def forget_thread(storage, thread_id: str) -> dict:
    """Erase one thread; returns the number of rows deleted (or redacted) per table."""
    if storage.db.dialect == "sqlite":
        await storage.db.conn.execute("PRAGMA secure_delete = ON")
    await secure_delete_checkpoints(storage)
    params = {"thread_id": thread_id}
    counts: dict = {}
    async with storage.db.transaction() as tx:
        # The inbox first: no new run of this thread starts from here on.
        counts["inbox"] = await tx.execute("forget_inbox", params)
        counts["outbox"] = await tx.execute("forget_outbox", params)
        counts["conversations"] = await tx.execute("forget_conversation", params)
        counts["approvals"] = await tx.execute("forget_approvals", params)
        counts["feedback"] = await tx.execute("forget_feedback", params)
        counts["thread_leases"] = await tx.execute("forget_expired_lease", {**params, "now": time.time()})
        counts["audit_log_redacted"] = await tx.execute("forget_redact_audit", params)
        counts["shop_redacted"] = (await tx.execute("forget_redact_refunds", params)
                                   + await tx.execute("forget_redact_cancellations", params)
                                   + await tx.execute("forget_redact_tickets", params))
    counts.update(await forget_checkpoints(storage, thread_id))
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
    """Erase every thread of the user; returns ``{"threads": [...], <table>: count, ...}``."""
    threads = await threads_of_user(storage, user_id)
    totals: dict = {"threads": threads}
    for thread_id in threads:
        for key, value in (await forget_thread(storage, thread_id)).items():
            if isinstance(value, int):
                totals[key] = totals.get(key, 0) + value
            else:
                totals[key] = value
    # Their votes on other people's answers name them too.
    totals["feedback"] = totals.get("feedback", 0) + await storage.db.execute("forget_feedback_of_user",
                                                                              {"user_id": user_id})
    log.info("user forgotten", extra={"threads": len(threads)})
    return totals
