"""Forget a thread or a user: a GDPR erasure request.

``forget_thread`` deletes the thread's checkpoints (the saver's
``adelete_thread``: checkpoints, blobs, writes), its inbox and outbox rows, its
conversation row, its approval rows and an expired lease row; it redacts
(keeps, with ``[redacted]`` text) its audit rows' ``args``/``detail`` and the
free text of the demo shop's refunds, cancellations and tickets, which are
business records. ``forget_user`` finds the user's threads and forgets each.

A user's threads: ``conversations.started_by`` is the user, an inbox payload
names the user (any JSON string value equal to the id), ``approvals.requester``
is the user, a checkpoint's metadata has ``slack_user`` = the user, or a
message in the thread's current state has the user as its ``name`` (what
``bot/turn.py`` sets), which still finds a thread after retention pruned the
checkpoints that carried the metadata.

On SQLite, ``PRAGMA secure_delete`` is switched on for both connections first,
so deleted text is overwritten in the file, not only unlinked.
"""

from __future__ import annotations

import json
import logging
import time

from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

log = logging.getLogger(__name__)

REDACTED = "[redacted]"
SLACK_USER_KEY = "slack_user"
# Tables forget knows what to do with; any other table with a thread_id column is reported.
KNOWN_TABLES = {
    "inbox", "outbox", "conversations", "approvals", "audit_log", "thread_leases",
    "shop_refunds", "shop_cancellations", "shop_tickets",
    "checkpoints", "checkpoint_blobs", "checkpoint_writes", "writes",
}


async def _secure_delete(storage) -> None:
    if storage.db.dialect != "sqlite":
        return
    await storage.db.conn.execute("PRAGMA secure_delete = ON")
    saver = storage.checkpointer
    conn = getattr(saver, "conn", None)
    if conn is not None and not isinstance(saver, InMemorySaver):
        async with saver.lock:
            await conn.execute("PRAGMA secure_delete = ON")


async def _checkpoint_counts(storage, thread_id: str) -> dict:
    saver = storage.checkpointer
    if isinstance(saver, InMemorySaver):
        return {
            "checkpoints": sum(len(v) for v in saver.storage.get(thread_id, {}).values()),
            "checkpoint_blobs": sum(1 for k in saver.blobs if k[0] == thread_id),
            "checkpoint_writes": sum(len(v) for k, v in saver.writes.items() if k[0] == thread_id),
        }
    prefix = "pg_" if storage.db.dialect == "postgres" else "sqlite_"
    row = await storage.db.fetchone(prefix + "forget_checkpoint_counts", {"thread_id": thread_id})
    return {k: int(v) for k, v in (row or {}).items()}


async def unhandled_tables(storage) -> list[str]:
    """Tables with a thread_id column that forget does not know (a new feature's table)."""
    prefix = "pg_" if storage.db.dialect == "postgres" else "sqlite_"
    rows = await storage.db.fetchall(prefix + "tables_with_thread_id")
    return sorted({r["table_name"] for r in rows} - KNOWN_TABLES - {"schema_migrations"})


async def forget_thread(storage, thread_id: str) -> dict:
    """Erase one thread; returns the number of rows deleted (or redacted) per table."""
    await _secure_delete(storage)
    params = {"thread_id": thread_id}
    counts: dict = {}
    async with storage.db.transaction() as tx:
        # The inbox first: no new run of this thread starts from here on.
        counts["inbox"] = await tx.execute("forget_inbox", params)
        counts["outbox"] = await tx.execute("forget_outbox", params)
        counts["conversations"] = await tx.execute("forget_conversation", params)
        counts["approvals"] = await tx.execute("forget_approvals", params)
        counts["thread_leases"] = await tx.execute("forget_expired_lease", {**params, "now": time.time()})
        counts["audit_log_redacted"] = await tx.execute("forget_redact_audit", params)
        counts["shop_redacted"] = (await tx.execute("forget_redact_refunds", params)
                                   + await tx.execute("forget_redact_cancellations", params)
                                   + await tx.execute("forget_redact_tickets", params))
    counts.update(await _checkpoint_counts(storage, thread_id))
    await storage.checkpointer.adelete_thread(thread_id)
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


async def _state_names_user(storage, thread_id: str, user_id: str) -> bool:
    found = await storage.checkpointer.aget_tuple({"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}})
    if found is None:
        return False
    messages = (found.checkpoint.get("channel_values") or {}).get("messages") or []
    return any(isinstance(m, HumanMessage) and m.name == user_id for m in messages)


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
    saver = storage.checkpointer
    mentioning: set[str] = set()
    if isinstance(saver, InMemorySaver):
        for thread_id, by_ns in saver.storage.items():
            for _ckpt, meta, _parent in (c for ns in by_ns.values() for c in ns.values()):
                if (saver.serde.loads_typed(meta) or {}).get(SLACK_USER_KEY) == user_id:
                    threads.add(thread_id)
                    break
            mentioning.add(thread_id)
    else:
        prefix = "pg_" if storage.db.dialect == "postgres" else "sqlite_"
        threads.update(r["thread_id"] for r in await storage.db.fetchall(prefix + "forget_threads_of_slack_user", params))
        mentioning = {r["thread_id"] for r in await storage.db.fetchall(prefix + "forget_threads_mentioning", params)}
    for thread_id in sorted(mentioning - threads):
        if await _state_names_user(storage, thread_id, user_id):
            threads.add(thread_id)
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
    log.info("user forgotten", extra={"threads": len(threads)})
    return totals
