"""Checkpoint retention: prune a thread's old checkpoints, keeping the ones a pending approval needs.

LangGraph writes one checkpoint per step and keeps them all. Summarisation
bounds each checkpoint's size; retention bounds their number: every pass keeps,
per thread, the latest ``keep`` checkpoints (root namespace) plus every
checkpoint a *pending* approval's interrupt lives in, and deletes the rest with
their writes and the blobs (PostgreSQL) no kept checkpoint refers to. It never
deletes a thread's latest checkpoint (``keep`` >= 1), never a checkpoint newer
than the oldest one it keeps (so a run saving meanwhile is untouched), and
skips a thread whose pending approval it cannot find the checkpoint of.

Upstream's ``AsyncPostgresSaver.aprune(strategy="keep_latest")`` keeps one
checkpoint and knows nothing of approvals, and ``AsyncSqliteSaver`` has no
prune at all, hence our own SQL (the ``retention_*`` queries in ``sql/queries.<dialect>.sql``).

Which approvals are pending, idle-thread expiry and the background task are
the bot's business (``bot/operators/retention.py``); this module knows only checkpoints.
"""

from __future__ import annotations

import json
import logging

from langgraph.checkpoint.memory import InMemorySaver

from graph.checkpoint_ids import checkpoint_time

log = logging.getLogger(__name__)

ROOT_NS = ""


# -- which checkpoints a pending approval needs -----------------------------------

def _interrupt_ids(value) -> set[str]:
    items = value if isinstance(value, (list, tuple)) else [value]
    ids = set()
    for item in items:
        found = getattr(item, "id", None) or (item.get("id") if isinstance(item, dict) else None)
        if found:
            ids.add(str(found))
    return ids


async def pinned_checkpoints(storage, thread_id: str, interrupt_ids: set[str]) -> set[str] | None:
    """Checkpoint ids holding these pending interrupts; None if one cannot be found."""
    if not interrupt_ids:
        return set()
    serde = storage.checkpointer.serde
    found: dict[str, set[str]] = {}
    if isinstance(storage.checkpointer, InMemorySaver):
        for (tid, ns, cid), writes in list(storage.checkpointer.writes.items()):
            if tid != thread_id or ns != ROOT_NS:
                continue
            for _task, channel, typed, _path in writes.values():
                if channel == "__interrupt__":
                    found.setdefault(cid, set()).update(_interrupt_ids(serde.loads_typed(typed)))
    else:
        for row in await storage.db.fetchall("retention_interrupt_writes", {"thread_id": thread_id}):
            value = serde.loads_typed((row["type"], bytes(row["blob"])))
            found.setdefault(row["checkpoint_id"], set()).update(_interrupt_ids(value))
    pinned = {cid for cid, ids in found.items() if ids & interrupt_ids}
    located = set().union(*found.values()) if found else set()
    return pinned if interrupt_ids <= located else None


# -- pruning ----------------------------------------------------------------------

async def prune_thread(storage, thread_id: str, keep: int, pinned: set[str] = frozenset()) -> dict:
    """Keep the latest ``keep`` checkpoints of the thread and ``pinned``; delete the rest."""
    if keep < 1:
        raise ValueError("keep must be at least 1: a thread's latest checkpoint is never removed")
    saver = storage.checkpointer
    if isinstance(saver, InMemorySaver):
        return _prune_memory(saver, thread_id, keep, pinned)
    pg = storage.db.dialect == "postgres"
    counts = {"checkpoints": 0, "writes": 0, "blobs": 0}
    async with storage.db.transaction() as tx:
        if pg and not (await tx.fetchone("retention_lock", {"thread_id": thread_id}))["ok"]:
            return counts  # another process is pruning this thread right now
        kept = [r["checkpoint_id"] for r in await tx.fetchall("retention_keep", {"thread_id": thread_id, "keep": keep})]
        if len(kept) < keep:
            return counts
        params = {"thread_id": thread_id, "cutoff": min(kept),
                  "pinned": sorted(pinned) if pg else json.dumps(sorted(pinned))}
        counts["writes"] = await tx.execute("retention_delete_writes", params)
        if pg:
            freed = await tx.fetchall("retention_delete_checkpoints", params)
            counts["checkpoints"] = len(freed)
            if freed:
                referenced = await tx.fetchall("retention_referenced_versions", {"thread_id": thread_id})
                for channel, versions in _garbage_blobs(freed, referenced).items():
                    counts["blobs"] += await tx.execute("retention_delete_blobs", {
                        "thread_id": thread_id, "channel": channel, "versions": versions})
        else:
            counts["checkpoints"] = await tx.execute("retention_delete_checkpoints", params)
        if counts["checkpoints"]:
            await tx.execute("retention_orphan_parents", params)
    return counts


def _garbage_blobs(freed: list[dict], referenced: list[dict]) -> dict[str, list[str]]:
    """Blob versions a deleted checkpoint used and no remaining one does, by channel."""
    kept = {(ch, str(v)) for row in referenced for ch, v in (row["versions"] or {}).items()}
    garbage: dict[str, set[str]] = {}
    for row in freed:
        for ch, v in (row["versions"] or {}).items():
            if (ch, str(v)) not in kept:
                garbage.setdefault(ch, set()).add(str(v))
    return {ch: sorted(vs) for ch, vs in garbage.items()}


def _prune_memory(saver: InMemorySaver, thread_id: str, keep: int, pinned) -> dict:
    checkpoints = saver.storage.get(thread_id, {}).get(ROOT_NS, {})
    ids = sorted(checkpoints, reverse=True)
    if len(ids) <= keep:
        return {"checkpoints": 0, "writes": 0, "blobs": 0}
    cutoff = ids[keep - 1]
    doomed = [cid for cid in ids if cid < cutoff and cid not in pinned]
    writes = 0
    for cid in doomed:
        del checkpoints[cid]
        writes += len(saver.writes.pop((thread_id, ROOT_NS, cid), {}) or {})
    for cid, (ckpt, meta, parent) in list(checkpoints.items()):
        if parent is not None and parent not in checkpoints:
            checkpoints[cid] = (ckpt, meta, None)
    return {"checkpoints": len(doomed), "writes": writes, "blobs": 0}


async def _candidates(storage, keep: int) -> list[str]:
    saver = storage.checkpointer
    if isinstance(saver, InMemorySaver):
        return [t for t, by_ns in saver.storage.items() if len(by_ns.get(ROOT_NS, {})) > keep]
    return [r["thread_id"] for r in await storage.db.fetchall("retention_candidates", {"keep": keep})]


async def prune_checkpoints(storage, keep: int, pending: dict[str, set[str]], *, vacuum: bool = False) -> dict:
    """Prune every thread with more than ``keep`` checkpoints; ``pending``: interrupt ids by thread to keep."""
    totals = {"threads": 0, "checkpoints": 0, "writes": 0, "blobs": 0, "skipped": 0}
    for thread_id in await _candidates(storage, keep):
        pinned = await pinned_checkpoints(storage, thread_id, pending.get(thread_id, set()))
        if pinned is None:
            # Fail safe: a pending approval whose checkpoint we cannot see keeps the whole thread.
            log.warning("retention skipped a thread: pending approval not found in its checkpoints",
                        extra={"thread_id": thread_id})
            totals["skipped"] += 1
            continue
        counts = await prune_thread(storage, thread_id, keep, pinned)
        if counts["checkpoints"]:
            totals["threads"] += 1
        for key, value in counts.items():
            totals[key] += value
    if vacuum and totals["checkpoints"] and storage.pool is not None:
        # Makes the deleted rows' space reusable now rather than at autovacuum's next visit.
        async with storage.pool.connection() as conn:
            await conn.execute(storage.db.q("retention_vacuum"))
    return totals


# -- when a thread last changed ---------------------------------------------------

async def latest_checkpoint_times(storage) -> dict[str, float]:
    """Epoch seconds of each thread's newest checkpoint."""
    saver = storage.checkpointer
    if isinstance(saver, InMemorySaver):
        latest = {t: max(by_ns.get(ROOT_NS, {}) or [""]) for t, by_ns in saver.storage.items()}
    else:
        latest = {r["thread_id"]: r["latest"] for r in await storage.db.fetchall("retention_latest_checkpoints")}
    return {t: checkpoint_time(c) or 0.0 for t, c in latest.items() if c}
