"""The running bot: storage, agent, inbox, workers, Bolt app; started and drained as one."""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack

from bot.slack.bolt_app import Deps, build_app, slack_client
from bot.config import Settings
from bot.queue.inbox import Inbox
from bot.metrics import METRICS
from bot.agent import open_agent
from bot.slack.outbox import SlackOut
from bot.queue.shutdown import cancel_and_wait
from bot.turn import TurnRunner
from bot.queue.worker import WorkerPool

log = logging.getLogger(__name__)


class Service:
    def __init__(self, settings: Settings, *, workers: int | None = None, web: bool = True, model=None) -> None:
        self.settings = settings
        self.workers = settings.supportbot_workers if workers is None else workers
        self.web = web
        self._model = model
        self.draining = False
        self._stack = AsyncExitStack()
        self.pool: WorkerPool | None = None
        self.side_tasks: list[asyncio.Task] = []
        # Set when draining: side loops also stop by themselves, in case a
        # cancellation is swallowed (see bot/queue/shutdown.py).
        self.stopping = asyncio.Event()

    async def __aenter__(self) -> "Service":
        settings = self.settings
        self.agent = await self._stack.enter_async_context(open_agent(settings, model=self._model))
        if self.agent.demo:
            log.warning("answering with the offline demo model; set OPENAI_API_KEY for a real one")
        self.inbox = Inbox(self.agent.storage.db, settings.supportbot_lease_seconds)
        self.client = slack_client(settings)
        self.slack = SlackOut(self.client, self.agent.storage.db)
        self.deps = Deps(settings, self.agent, self.inbox, self.client)
        self.runner = TurnRunner(self.agent.graph, self.inbox, self.slack,
                                 max_message_chars=settings.supportbot_max_message_chars)
        _attach_optional(self)
        if self.workers > 0:
            self.pool = WorkerPool(self.inbox, self.runner, self.workers,
                                   max_attempts=settings.supportbot_max_attempts)
            self.deps.wake = self.pool.wake
            await self.pool.start()
        self.bolt = build_app(self.deps) if self.web else None
        return self

    async def __aexit__(self, *exc) -> None:
        await self.drain()
        await self._stack.aclose()

    async def drain(self) -> None:
        if self.draining:
            return
        self.draining = True
        self.stopping.set()
        await cancel_and_wait(self.side_tasks)
        if self.pool is not None:
            await self.pool.stop(self.settings.supportbot_drain_seconds)

    def spawn(self, coro, name: str) -> None:
        self.side_tasks.append(asyncio.create_task(coro, name=name))

    async def refresh_gauges(self) -> None:
        try:
            depth, oldest = await self.inbox.depth()
            METRICS.inbox_depth.set(depth)
            import time

            METRICS.inbox_oldest_age.set(time.time() - oldest if oldest else 0)
        except Exception:
            log.info("could not read inbox depth", exc_info=True)
        try:
            row = await self.agent.storage.db.fetchone("approvals_pending_count")
            METRICS.approvals_pending.set(int(row["n"]))
        except Exception:
            log.info("could not count pending approvals", exc_info=True)


def _attach_optional(service: Service) -> None:
    """Features that live in their own modules hook in here (approvals, retention, ...)."""
    try:
        from bot.approvals.setup import attach as attach_approvals
    except ImportError:
        attach_approvals = None
    if attach_approvals is not None:
        attach_approvals(service)
    # Long conversations (issue 6): checkpoint sizes on /metrics, retention + thread TTL in the background.
    from graph.retention import monitor_checkpoint_sizes, run_retention_forever

    storage = service.agent.storage
    # The graph's own saver: the fenced clone of storage.checkpointer (bot/queue/fencing.py) that the
    # graph writes through; wrapping the original would measure nothing.
    saver = getattr(service.agent.graph, "checkpointer", None) or storage.checkpointer
    monitor_checkpoint_sizes(saver, service.settings.supportbot_checkpoint_warn_bytes,
                             observe=METRICS.checkpoint_bytes.observe)
    if service.workers > 0:
        service.spawn(run_retention_forever(storage, service.settings, service.stopping), "retention")
