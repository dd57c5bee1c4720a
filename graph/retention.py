"""Checkpoint retention: prune a thread's old checkpoints, keeping the ones a pending approval needs.

LangGraph writes one checkpoint per step and keeps them all. Summarisation
bounds each checkpoint's size; retention bounds their number: every pass keeps,
per thread and per namespace (the root graph's and each subgraph's), the latest
``keep`` checkpoints plus every checkpoint a *pending* approval's interrupt
lives in, and deletes the rest with their writes and the blobs (PostgreSQL,
``memory://``) no kept checkpoint refers to. A thread whose graph uses a
``DeltaChannel`` is skipped whole, as upstream's prune refuses it (``UsesDeltaChannel``). It never
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


class UsesDeltaChannel(NotImplementedError):
    """The thread's graph keeps a channel as a ``DeltaChannel``: pruning would empty it.

    A DeltaChannel stores a full value only every so many steps and rebuilds the
    rest from the writes of the checkpoints in between; deleting those silently
    resets the channel (``BaseCheckpointSaver.prune``'s warning). Upstream's
    ``keep_latest`` refuses such threads with NotImplementedError, and so do we.
    """


DELTA_METADATA = ("counters_since_delta_snapshot", "delta_writes_versioned")


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
    """Checkpoint ids (any namespace) holding these pending interrupts; None if one cannot be found."""
    if not interrupt_ids:
        return set()
    serde = storage.checkpointer.serde
    found: dict[str, set[str]] = {}
    if isinstance(storage.checkpointer, InMemorySaver):
        for (tid, _ns, cid), writes in list(storage.checkpointer.writes.items()):
            if tid != thread_id:
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

def _no_counts() -> dict:
    return {"checkpoints": 0, "writes": 0, "blobs": 0}


async def prune_thread(storage, thread_id: str, keep: int, pinned: set[str] = frozenset()) -> dict:
    """In every namespace of the thread (the root and each subgraph's), keep the latest
    ``keep`` checkpoints and ``pinned``; delete the rest. Raises ``UsesDeltaChannel``."""
    if keep < 1:
        raise ValueError("keep must be at least 1: a thread's latest checkpoint is never removed")
    saver = storage.checkpointer
    if isinstance(saver, InMemorySaver):
        return _prune_memory(saver, thread_id, keep, pinned)
    pg = storage.db.dialect == "postgres"
    counts = _no_counts()
    async with storage.db.transaction() as tx:
        if pg and not (await tx.fetchone("retention_lock", {"thread_id": thread_id}))["ok"]:
            return counts  # another process is pruning this thread right now
        # Checked under the lock, as upstream does: a thread may have started using one since.
        if (await tx.fetchone("retention_uses_delta_channel", {"thread_id": thread_id}))["delta"]:
            raise UsesDeltaChannel(thread_id)
        namespaces = {r["checkpoint_ns"]: r["root"] for r in await tx.fetchall("retention_namespaces",
                                                                               {"thread_id": thread_id})}
        cutoff = await _prune_namespace(tx, pg, thread_id, ROOT_NS, keep, pinned, counts)
        for ns, root in namespaces.items():
            if ns == ROOT_NS:
                continue
            where = {"thread_id": thread_id, "checkpoint_ns": ns}
            if _finished_call(ns, root, cutoff, pinned):
                counts["writes"] += await tx.execute("retention_drop_namespace_writes", where)
                if pg:
                    counts["blobs"] += await tx.execute("retention_drop_namespace_blobs", where)
                counts["checkpoints"] += await tx.execute("retention_drop_namespace_checkpoints", where)
            else:
                await _prune_namespace(tx, pg, thread_id, ns, keep, pinned, counts)
    return counts


def _finished_call(ns: str, root: str | None, cutoff: str | None, pinned) -> bool:
    """A subgraph call's namespace (its task id after a ":", unlike a ``checkpointer=True``
    subgraph's, whose state outlives each call) whose root checkpoint is pruned: the call
    is over, and nothing reads it again. Upstream's ``keep_latest`` drops these too."""
    return ":" in ns and bool(root) and cutoff is not None and root < cutoff and root not in pinned


async def _prune_namespace(tx, pg: bool, thread_id: str, ns: str, keep: int, pinned, counts: dict) -> str | None:
    """Keep-last-``keep`` in one namespace, adding to ``counts``; returns the oldest id kept (None: under ``keep``)."""
    where = {"thread_id": thread_id, "checkpoint_ns": ns}
    kept = [r["checkpoint_id"] for r in await tx.fetchall("retention_keep", {**where, "keep": keep})]
    if len(kept) < keep:
        return None
    params = {**where, "cutoff": min(kept), "pinned": sorted(pinned) if pg else json.dumps(sorted(pinned))}
    counts["writes"] += await tx.execute("retention_delete_writes", params)
    if pg:
        freed = await tx.fetchall("retention_delete_checkpoints", params)
        deleted = len(freed)
        if freed:
            referenced = await tx.fetchall("retention_referenced_versions", where)
            for channel, versions in _garbage_blobs(freed, referenced).items():
                counts["blobs"] += await tx.execute("retention_delete_blobs", {
                    **where, "channel": channel, "versions": versions})
    else:
        deleted = await tx.execute("retention_delete_checkpoints", params)
    if deleted:
        counts["checkpoints"] += deleted
        await tx.execute("retention_orphan_parents", params)
    return min(kept)


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
    # Synchronous from start to end: nothing else touches the saver meanwhile.
    namespaces = saver.storage.get(thread_id, {})
    metadata = {ns: {cid: saver.serde.loads_typed(meta) for cid, (_ckpt, meta, _parent) in by_id.items()}
                for ns, by_id in namespaces.items()}
    if any(key in meta for by_id in metadata.values() for meta in by_id.values() for key in DELTA_METADATA):
        raise UsesDeltaChannel(thread_id)
    counts = _no_counts()
    cutoff = _prune_memory_namespace(saver, thread_id, ROOT_NS, keep, pinned, counts)
    for ns, by_id in list(namespaces.items()):
        if ns == ROOT_NS or not by_id:
            continue
        root = (metadata[ns][max(by_id)].get("parents") or {}).get(ROOT_NS)
        if not _finished_call(ns, root, cutoff, pinned):
            _prune_memory_namespace(saver, thread_id, ns, keep, pinned, counts)
            continue
        counts["checkpoints"] += len(namespaces.pop(ns))
        for key in [k for k in saver.writes if k[:2] == (thread_id, ns)]:
            counts["writes"] += len(saver.writes.pop(key) or {})
        for key in [k for k in saver.blobs if k[:2] == (thread_id, ns)]:
            del saver.blobs[key]
            counts["blobs"] += 1
    return counts


def _prune_memory_namespace(saver: InMemorySaver, thread_id: str, ns: str, keep: int, pinned,
                            counts: dict) -> str | None:
    checkpoints = saver.storage.get(thread_id, {}).get(ns, {})
    ids = sorted(checkpoints, reverse=True)
    if len(ids) < keep:
        return None
    cutoff = ids[keep - 1]
    doomed = [cid for cid in ids if cid < cutoff and cid not in pinned]
    freed = []
    for cid in doomed:
        freed.append({"versions": _memory_versions(saver, checkpoints.pop(cid))})
        counts["writes"] += len(saver.writes.pop((thread_id, ns, cid), {}) or {})
    for cid, (ckpt, meta, parent) in list(checkpoints.items()):
        if parent is not None and parent not in checkpoints:
            checkpoints[cid] = (ckpt, meta, None)
    referenced = [{"versions": _memory_versions(saver, saved)} for saved in checkpoints.values()]
    for channel, versions in _garbage_blobs(freed, referenced).items():
        for version in versions:
            counts["blobs"] += saver.blobs.pop((thread_id, ns, channel, version), None) is not None
    counts["checkpoints"] += len(doomed)
    return cutoff


def _memory_versions(saver: InMemorySaver, saved: tuple) -> dict:
    return saver.serde.loads_typed(saved[0]).get("channel_versions") or {}


async def _candidates(storage, keep: int) -> list[str]:
    saver = storage.checkpointer
    if isinstance(saver, InMemorySaver):
        return [t for t, by_ns in saver.storage.items() if any(len(ids) > keep for ids in by_ns.values())]
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
        try:
            counts = await prune_thread(storage, thread_id, keep, pinned)
        except UsesDeltaChannel:
            log.warning("retention skipped a thread: its graph uses a DeltaChannel, which pruning would empty",
                        extra={"thread_id": thread_id})
            totals["skipped"] += 1
            continue
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
