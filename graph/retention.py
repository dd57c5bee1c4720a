"""Checkpoint retention, idle-thread expiry and checkpoint-size monitoring.

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
prune at all, hence our own SQL (``sql/queries.sql``, section issue 6).

``run_retention_forever`` is the background task a serve/worker process
starts; ``prune_once`` is one pass (also what the tests and the benchmark call).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from typing import Callable

from langgraph.checkpoint.memory import InMemorySaver
from prometheus_client import CollectorRegistry, Histogram

log = logging.getLogger(__name__)

ROOT_NS = ""
BUCKETS = (1e3, 5e3, 2e4, 1e5, 5e5, 2e6, 1e7)
# Used when the caller passes no ``observe`` (tests, the benchmark, the CLI);
# the bot passes its own registry's ``supportbot_checkpoint_bytes``.
REGISTRY = CollectorRegistry()
CHECKPOINT_BYTES = Histogram("supportbot_checkpoint_bytes", "Serialized size of each checkpoint",
                             registry=REGISTRY, buckets=BUCKETS)


@dataclass(frozen=True)
class RetentionConfig:
    keep_checkpoints: int = 40  # per thread; 0 = no pruning
    interval_seconds: float = 300.0
    thread_ttl_days: float | None = None  # idle threads are forgotten after this; None = never
    warn_bytes: int = 100_000
    vacuum: bool = False  # PostgreSQL: VACUUM the checkpoint tables after a pass that deleted rows

    @classmethod
    def from_settings(cls, settings) -> "RetentionConfig":
        d = cls()

        def get(name, default):
            value = getattr(settings, name, None)
            return default if value is None else value

        return cls(
            keep_checkpoints=int(get("supportbot_retention_keep_checkpoints", d.keep_checkpoints)),
            interval_seconds=float(get("supportbot_retention_interval_seconds", d.interval_seconds)),
            thread_ttl_days=getattr(settings, "supportbot_thread_ttl_days", None),
            warn_bytes=int(get("supportbot_checkpoint_warn_bytes", d.warn_bytes)),
            vacuum=bool(get("supportbot_retention_vacuum", d.vacuum)),
        )


# -- checkpoint size ------------------------------------------------------------

def monitor_checkpoint_sizes(saver, warn_bytes: int = 100_000, *, observe: Callable[[float], None] | None = None,
                             warn_every: float = 60.0):
    """Record every checkpoint's serialized size; log a warning above ``warn_bytes``.

    Wraps the saver's ``aput`` on the instance (any saver: Postgres, SQLite,
    memory) and returns the saver. The size is that of the whole checkpoint as
    the saver's serializer writes it — what a reader loads for each step.
    Warnings are limited to one per thread per ``warn_every`` seconds.
    """
    if getattr(saver, "_size_monitored", False):
        return saver
    original = saver.aput
    observe = observe or CHECKPOINT_BYTES.observe
    last_warned: dict[str, float] = {}

    async def aput(config, checkpoint, metadata, new_versions):
        try:
            size = len(saver.serde.dumps_typed(checkpoint)[1])
            observe(size)
            if size > warn_bytes:
                thread_id = config.get("configurable", {}).get("thread_id")
                now = time.monotonic()
                if now - last_warned.get(thread_id, -warn_every) >= warn_every:
                    if len(last_warned) > 10_000:
                        last_warned.clear()
                    last_warned[thread_id] = now
                    log.warning("checkpoint larger than SUPPORTBOT_CHECKPOINT_WARN_BYTES",
                                extra={"thread_id": thread_id, "bytes": size, "threshold": warn_bytes,
                                       "step": (metadata or {}).get("step")})
        except Exception:  # measuring must never stop a checkpoint from being saved
            log.debug("could not measure a checkpoint", exc_info=True)
        return await original(config, checkpoint, metadata, new_versions)

    saver.aput = aput
    saver._size_monitored = True
    return saver


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
        prefix = "pg_" if storage.db.dialect == "postgres" else "sqlite_"
        for row in await storage.db.fetchall(prefix + "retention_interrupt_writes", {"thread_id": thread_id}):
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
    prefix = "pg_" if pg else "sqlite_"
    counts = {"checkpoints": 0, "writes": 0, "blobs": 0}
    async with storage.db.transaction() as tx:
        if pg and not (await tx.fetchone("pg_retention_lock", {"thread_id": thread_id}))["ok"]:
            return counts  # another process is pruning this thread right now
        kept = [r["checkpoint_id"] for r in await tx.fetchall("retention_keep", {"thread_id": thread_id, "keep": keep})]
        if len(kept) < keep:
            return counts
        params = {"thread_id": thread_id, "cutoff": min(kept),
                  "pinned": sorted(pinned) if pg else json.dumps(sorted(pinned))}
        counts["writes"] = await tx.execute(prefix + "retention_delete_writes", params)
        if pg:
            freed = await tx.fetchall("pg_retention_delete_checkpoints", params)
            counts["checkpoints"] = len(freed)
            if freed:
                referenced = await tx.fetchall("pg_retention_referenced_versions", {"thread_id": thread_id})
                for channel, versions in _garbage_blobs(freed, referenced).items():
                    counts["blobs"] += await tx.execute("pg_retention_delete_blobs", {
                        "thread_id": thread_id, "channel": channel, "versions": versions})
        else:
            counts["checkpoints"] = await tx.execute("sqlite_retention_delete_checkpoints", params)
        if counts["checkpoints"]:
            await tx.execute(prefix + "retention_orphan_parents", params)
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


async def _pending_interrupts(storage) -> dict[str, set[str]]:
    pending: dict[str, set[str]] = {}
    for row in await storage.db.fetchall("retention_pending_approvals"):
        pending.setdefault(row["thread_id"], set()).add(str(row["interrupt_id"]))
    return pending


async def prune_once(storage, settings=None, *, config: RetentionConfig | None = None, now: float | None = None) -> dict:
    """One retention pass over every thread: prune, then expire idle threads."""
    config = config or RetentionConfig.from_settings(settings)
    started = time.monotonic()
    totals = {"threads": 0, "checkpoints": 0, "writes": 0, "blobs": 0, "skipped": 0, "expired": 0}
    if config.keep_checkpoints > 0:
        pending = await _pending_interrupts(storage)
        for thread_id in await _candidates(storage, config.keep_checkpoints):
            pinned = await pinned_checkpoints(storage, thread_id, pending.get(thread_id, set()))
            if pinned is None:
                # Fail safe: a pending approval whose checkpoint we cannot see keeps the whole thread.
                log.warning("retention skipped a thread: pending approval not found in its checkpoints",
                            extra={"thread_id": thread_id})
                totals["skipped"] += 1
                continue
            counts = await prune_thread(storage, thread_id, config.keep_checkpoints, pinned)
            if counts["checkpoints"]:
                totals["threads"] += 1
            for key, value in counts.items():
                totals[key] += value
    if config.vacuum and totals["checkpoints"] and storage.pool is not None:
        # Makes the deleted rows' space reusable now rather than at autovacuum's next visit.
        async with storage.pool.connection() as conn:
            await conn.execute(storage.db.q("pg_retention_vacuum"))
    if config.thread_ttl_days:
        totals["expired"] = len(await expire_idle_threads(storage, config.thread_ttl_days, now=now))
    totals["seconds"] = round(time.monotonic() - started, 3)
    if totals["checkpoints"] or totals["expired"] or totals["skipped"]:
        log.info("retention pass", extra=totals)
    return totals


# -- idle threads -------------------------------------------------------------------

_UUID_EPOCH = 0x01B21DD213814000  # 100-ns intervals from 1582-10-15 to 1970-01-01


def checkpoint_time(checkpoint_id: str) -> float:
    """Epoch seconds encoded in a LangGraph checkpoint id (a UUIDv6)."""
    value = int(checkpoint_id.replace("-", ""), 16)
    ticks = ((value >> 80) << 12) | ((value >> 64) & 0x0FFF)
    return (ticks - _UUID_EPOCH) / 1e7


async def expire_idle_threads(storage, ttl_days: float, *, now: float | None = None) -> list[str]:
    """Forget threads with no activity (conversation or checkpoint) for ``ttl_days``.

    A thread with open inbox items or a pending approval is never expired.
    """
    from graph.forget import forget_thread

    now = time.time() if now is None else now
    cutoff = now - ttl_days * 86400
    busy = {r["thread_id"] for r in await storage.db.fetchall("retention_busy_threads")}
    activity: dict[str, float] = {}
    for row in await storage.db.fetchall("retention_conversation_activity"):
        activity[row["thread_id"]] = float(row["last_activity_at"] or 0)
    saver = storage.checkpointer
    if isinstance(saver, InMemorySaver):
        latest = {t: max(by_ns.get(ROOT_NS, {}) or [""]) for t, by_ns in saver.storage.items()}
    else:
        latest = {r["thread_id"]: r["latest"] for r in await storage.db.fetchall("retention_latest_checkpoints")}
    for thread_id, checkpoint_id in latest.items():
        if checkpoint_id:
            activity[thread_id] = max(activity.get(thread_id, 0.0), checkpoint_time(checkpoint_id))
    idle = sorted(t for t, at in activity.items() if at < cutoff and t not in busy)
    for thread_id in idle:
        await forget_thread(storage, thread_id)
        log.info("idle thread expired", extra={"thread_id": thread_id, "ttl_days": ttl_days})
    return idle


# -- the background task ----------------------------------------------------------------

async def run_retention_forever(storage, settings, stop_event: asyncio.Event | None = None,
                                *, config: RetentionConfig | None = None) -> None:
    """Prune every ``SUPPORTBOT_RETENTION_INTERVAL_SECONDS`` until ``stop_event`` is set (or cancelled).

    A failed pass is logged and retried at the next interval.
    """
    config = config or RetentionConfig.from_settings(settings)
    stop_event = stop_event or asyncio.Event()
    if config.keep_checkpoints <= 0 and not config.thread_ttl_days:
        log.info("retention off (SUPPORTBOT_RETENTION_KEEP_CHECKPOINTS=0, no SUPPORTBOT_THREAD_TTL_DAYS)")
        return
    log.info("retention started", extra={"keep": config.keep_checkpoints, "interval": config.interval_seconds,
                                         "ttl_days": config.thread_ttl_days})
    while not stop_event.is_set():
        try:
            await prune_once(storage, config=config)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("retention pass failed; retrying at the next interval")
        try:
            await asyncio.wait_for(stop_event.wait(), config.interval_seconds)
        except asyncio.TimeoutError:
            pass
