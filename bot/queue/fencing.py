"""The checkpoint saver the bot's graph writes through: fenced by the thread's lease, sizes measured.

LangGraph's checkpointers accept any writer; two writers on one thread fork
its history (LangGraph issue 8796). The inbox gives each thread one lease
holder; this wrapper makes a holder whose lease ran out stop before writing a
checkpoint, so a stalled worker cannot write after another took over.
Outside a worker run (CLI, operators) there is no lease and nothing is checked.

It also records every checkpoint's serialized size (``/metrics``) and warns
about large ones. It is one delegating wrapper around the storage's saver
(same connections, same tables): every other call goes to that saver as is.
"""

from __future__ import annotations

import logging
import time
from typing import Any, AsyncIterator, Callable, Iterator, Sequence

from langgraph.checkpoint.base import BaseCheckpointSaver
from prometheus_client import CollectorRegistry, Histogram

from bot.queue.inbox import current_lease

log = logging.getLogger(__name__)

BUCKETS = (1e3, 5e3, 2e4, 1e5, 5e5, 2e6, 1e7)
# Used when the caller passes no ``observe`` (tests, the benchmark);
# the bot passes its own registry's ``supportbot_checkpoint_bytes``.
REGISTRY = CollectorRegistry()
CHECKPOINT_BYTES = Histogram("supportbot_checkpoint_bytes", "Serialized size of each checkpoint",
                             registry=REGISTRY, buckets=BUCKETS)


def _check_lease() -> None:
    lease = current_lease.get()
    if lease is not None:
        lease.check()


class CheckpointSizes:
    """Observes each checkpoint's size as the saver's serializer writes it (what a reader loads
    for each step); warns above ``warn_bytes``, at most once per thread per ``warn_every`` seconds."""

    def __init__(self, warn_bytes: int = 100_000, observe: Callable[[float], None] | None = None,
                 warn_every: float = 60.0) -> None:
        self.warn_bytes = warn_bytes
        self.observe = observe or CHECKPOINT_BYTES.observe
        self.warn_every = warn_every
        self._last_warned: dict[str, float] = {}

    def measure(self, serde, config, checkpoint, metadata) -> None:
        try:
            size = len(serde.dumps_typed(checkpoint)[1])
            self.observe(size)
            if size > self.warn_bytes:
                self._warn(config.get("configurable", {}).get("thread_id"), size, metadata)
        except Exception:  # measuring must never stop a checkpoint from being saved
            log.debug("could not measure a checkpoint", exc_info=True)

    def _warn(self, thread_id: str | None, size: int, metadata) -> None:
        now = time.monotonic()
        if now - self._last_warned.get(thread_id, -self.warn_every) < self.warn_every:
            return
        if len(self._last_warned) > 10_000:
            self._last_warned.clear()
        self._last_warned[thread_id] = now
        log.warning("checkpoint larger than SUPPORTBOT_CHECKPOINT_WARN_BYTES",
                    extra={"thread_id": thread_id, "bytes": size, "threshold": self.warn_bytes,
                           "step": (metadata or {}).get("step")})


class GuardedSaver(BaseCheckpointSaver):
    """``inner`` with lease-checked writes and (when ``sizes`` is given) measured checkpoints."""

    def __init__(self, inner: BaseCheckpointSaver, sizes: CheckpointSizes | None = None) -> None:
        super().__init__(serde=inner.serde)
        self.inner = inner
        self.sizes = sizes

    @property
    def config_specs(self) -> list:
        return self.inner.config_specs

    def get_next_version(self, current, channel):
        return self.inner.get_next_version(current, channel)

    # -- writes: fenced, measured ---------------------------------------------------
    async def aput(self, config, checkpoint, metadata, new_versions):
        _check_lease()
        if self.sizes is not None:
            self.sizes.measure(self.inner.serde, config, checkpoint, metadata)
        return await self.inner.aput(config, checkpoint, metadata, new_versions)

    async def aput_writes(self, config, writes: Sequence, task_id: str, task_path: str = "") -> None:
        _check_lease()
        return await self.inner.aput_writes(config, writes, task_id, task_path)

    def put(self, config, checkpoint, metadata, new_versions):
        _check_lease()
        if self.sizes is not None:
            self.sizes.measure(self.inner.serde, config, checkpoint, metadata)
        return self.inner.put(config, checkpoint, metadata, new_versions)

    def put_writes(self, config, writes: Sequence, task_id: str, task_path: str = "") -> None:
        _check_lease()
        return self.inner.put_writes(config, writes, task_id, task_path)

    # -- everything else: as the inner saver does it ---------------------------------
    async def aget_tuple(self, config):
        return await self.inner.aget_tuple(config)

    def alist(self, config, *, filter=None, before=None, limit=None) -> AsyncIterator:
        return self.inner.alist(config, filter=filter, before=before, limit=limit)

    async def adelete_thread(self, thread_id: str) -> None:
        return await self.inner.adelete_thread(thread_id)

    async def adelete_for_runs(self, run_ids) -> None:
        return await self.inner.adelete_for_runs(run_ids)

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        return await self.inner.acopy_thread(source_thread_id, target_thread_id)

    async def aprune(self, thread_ids, *, strategy: str = "keep_latest") -> None:
        return await self.inner.aprune(thread_ids, strategy=strategy)

    async def aget_delta_channel_history(self, *, config, channels):
        return await self.inner.aget_delta_channel_history(config=config, channels=channels)

    def get_tuple(self, config):
        return self.inner.get_tuple(config)

    def list(self, config, *, filter=None, before=None, limit=None) -> Iterator:
        return self.inner.list(config, filter=filter, before=before, limit=limit)

    def delete_thread(self, thread_id: str) -> None:
        return self.inner.delete_thread(thread_id)

    def delete_for_runs(self, run_ids) -> None:
        return self.inner.delete_for_runs(run_ids)

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        return self.inner.copy_thread(source_thread_id, target_thread_id)

    def prune(self, thread_ids, *, strategy: str = "keep_latest") -> None:
        return self.inner.prune(thread_ids, strategy=strategy)

    def get_delta_channel_history(self, *, config, channels):
        return self.inner.get_delta_channel_history(config=config, channels=channels)

    def with_allowlist(self, extra_allowlist) -> "GuardedSaver":
        # Compiling a graph narrows the serializer: the inner saver is the one that serializes.
        inner = self.inner.with_allowlist(extra_allowlist)
        return self if inner is self.inner else GuardedSaver(inner, self.sizes)

    def __getattr__(self, name: str) -> Any:
        # Saver-specific extras (``setup``, ``conn``, ``lock``, ...) that the base class does not define.
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)


def fenced(saver: BaseCheckpointSaver, sizes: CheckpointSizes | None = None) -> GuardedSaver:
    return GuardedSaver(saver, sizes)


def monitor_checkpoint_sizes(saver: BaseCheckpointSaver, warn_bytes: int = 100_000, *,
                             observe: Callable[[float], None] | None = None,
                             warn_every: float = 60.0) -> GuardedSaver:
    """``saver`` with every checkpoint's size recorded; a saver measured already is returned as is."""
    if isinstance(saver, GuardedSaver):
        if saver.sizes is not None:
            return saver
        saver = saver.inner
    return GuardedSaver(saver, CheckpointSizes(warn_bytes, observe, warn_every))
