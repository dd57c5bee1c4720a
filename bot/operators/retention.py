"""Retention as the bot runs it: prune checkpoints, expire idle threads, every few minutes.

``prune_once`` is one pass (also what the tests and the benchmark call): it
keeps every checkpoint a *pending* approval needs and prunes the rest
(``graph/retention.py``), then forgets threads idle for
``SUPPORTBOT_THREAD_TTL_DAYS``. ``run_retention_forever`` is the background
task a serve/worker process starts.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from bot.operators.forget import forget_thread
from bot.operators.lease import ThreadBusy
from bot.queue.periodic import every
from graph.retention import latest_checkpoint_times, prune_checkpoints

log = logging.getLogger(__name__)


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
        pruned = await prune_checkpoints(storage, config.keep_checkpoints, await _pending_interrupts(storage),
                                         vacuum=config.vacuum)
        totals.update(pruned)
    if config.thread_ttl_days:
        totals["expired"] = len(await expire_idle_threads(storage, config.thread_ttl_days, now=now))
    totals["seconds"] = round(time.monotonic() - started, 3)
    if totals["checkpoints"] or totals["expired"] or totals["skipped"]:
        log.info("retention pass", extra=totals)
    return totals


# -- idle threads -------------------------------------------------------------------

async def expire_idle_threads(storage, ttl_days: float, *, now: float | None = None) -> list[str]:
    """Forget threads with no activity (conversation or checkpoint) for ``ttl_days``.

    A thread with open inbox items or a pending approval is never expired.
    """
    now = time.time() if now is None else now
    cutoff = now - ttl_days * 86400
    busy = {r["thread_id"] for r in await storage.db.fetchall("retention_busy_threads")}
    activity: dict[str, float] = {}
    for row in await storage.db.fetchall("retention_conversation_activity"):
        activity[row["thread_id"]] = float(row["last_activity_at"] or 0)
    for thread_id, at in (await latest_checkpoint_times(storage)).items():
        activity[thread_id] = max(activity.get(thread_id, 0.0), at)
    idle = sorted(t for t, at in activity.items() if at < cutoff and t not in busy)
    expired = []
    for thread_id in idle:
        try:
            await forget_thread(storage, thread_id, wait=0)
        except ThreadBusy:  # a message came in since: not idle any more
            continue
        expired.append(thread_id)
        log.info("idle thread expired", extra={"thread_id": thread_id, "ttl_days": ttl_days})
    return expired


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
    await every(config.interval_seconds, lambda: prune_once(storage, config=config), stop_event,
                failed="retention pass failed; retrying at the next interval", logger=log, level=logging.ERROR)
