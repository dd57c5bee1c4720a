"""The running bot: storage, agent, inbox, approvals, workers, Bolt app; built in order, drained as one."""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import AsyncExitStack

from bot.agent import open_agent
from bot.approvals.authz import Approvers
from bot.approvals.decisions import Approvals
from bot.approvals.expiry import expire_loop, sweep_interval
from bot.approvals.links import Links
from bot.approvals.pauses import ApprovalPauses
from bot.approvals.recheck import Recheck
from bot.approvals.reconcile import Reconciler, reconcile_loop
from bot.approvals.store import ApprovalStore
from bot.config import Settings
from bot.metrics import METRICS
from bot.operators.retention import run_retention_forever
from bot.queue.inbox import Inbox
from bot.queue.shutdown import cancel_and_wait
from bot.queue.worker import WorkerPool
from bot.slack.bolt_app import Deps, build_app, slack_client, slack_session
from bot.slack.identity import Directory
from bot.slack.outbox import SlackOut
from bot.turn import TurnRunner
from graph.shop import Shop

log = logging.getLogger(__name__)


def _no_workers() -> None:
    """Nothing to wake in a web-only process: another process's workers poll the inbox."""


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
        db = self.agent.storage.db
        self.inbox = Inbox(db, settings.supportbot_lease_seconds)
        session = slack_session()
        self._stack.push_async_callback(session.close)
        self.client = slack_client(settings, session)
        self.outbox = SlackOut(self.client, db)
        self.directory = Directory(self.client, settings.staff, settings.supportbot_identity_ttl)
        approval_store = ApprovalStore(db, self.inbox)
        pauses = ApprovalPauses(approval_store, Shop(db), Links(self.client),
                                channel=settings.supportbot_approval_channel, ttl=settings.supportbot_approval_ttl)
        self.runner = TurnRunner(self.agent.graph, self.inbox, self.outbox, pauses, directory=self.directory,
                                 max_message_chars=settings.supportbot_max_message_chars)
        if self.workers > 0:
            self.pool = WorkerPool(self.inbox, self.runner, self.workers, outbox=self.outbox,
                                   max_attempts=settings.supportbot_max_attempts,
                                   notice_seconds=settings.supportbot_delay_notice_seconds,
                                   turn_deadline=settings.supportbot_turn_deadline_seconds)
        wake = self.pool.wake if self.pool is not None else _no_workers
        self.approvals = Approvals(approval_store, _approvers(settings, self.client), self.client, wake=wake,
                                   recheck=Recheck(Shop(db), self.directory))
        self.deps = Deps(settings, self.agent, self.inbox, self.client, self.outbox, self.approvals, wake)
        self.spawn(expire_loop(self.approvals, sweep_interval(settings.supportbot_approval_ttl), self.stopping),
                   "approvals-expiry")
        if self.pool is not None:
            await self.pool.start()
            self.spawn(run_retention_forever(self.agent.storage, settings, self.stopping), "retention")
            self.reconciler = Reconciler(db, self.inbox, self.pool.wake)
            self.spawn(reconcile_loop(self.reconciler, stopping=self.stopping), "approvals-reconcile")
            storage = self.agent.storage
            if storage.url.kind == "postgres" and settings.supportbot_listen:
                from bot.queue.wakeups import listen_for_work

                self.spawn(listen_for_work(storage.url.target, self.pool.wake, self.stopping), "listen")
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
            METRICS.inbox_oldest_age.set(time.time() - oldest if oldest else 0)
        except Exception:
            log.info("could not read inbox depth", exc_info=True)
        try:
            row = await self.agent.storage.db.fetchone("approvals_pending_count")
            METRICS.approvals_pending.set(int(row["n"]))
        except Exception:
            log.info("could not count pending approvals", exc_info=True)


def _approvers(settings: Settings, client) -> Approvers:
    approvers = Approvers(client, settings.supportbot_approvers, settings.supportbot_approver_group)
    if not approvers.configured:
        log.warning("no approvers configured: set SUPPORTBOT_APPROVERS or SUPPORTBOT_APPROVER_GROUP, "
                    "or risky tool calls wait for a decision nobody can make")
    return approvers
