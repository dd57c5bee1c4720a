"""Workers: claim a thread, run it, renew the lease meanwhile, finish or fail its items.

Side tasks per pool: a monitor that reclaims nothing by itself (expired leases
are simply claimable again) but wakes idle workers on a timer; in-process
enqueues wake them at once. Shutdown: stop claiming, give running threads
until the deadline, then cancel them and put their items back.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid

from bot import messages as say
from bot.queue.delay import DelayNotice, TurnDeadline, is_model_error, turn_started
from bot.queue.inbox import Inbox, Lease, LeaseLost
from bot.metrics import METRICS
from bot.queue.shutdown import cancel_and_wait
from bot.slack.outbox import SlackOut, error_key, notice_key
from bot.threads import parse_thread_id
from bot.turn import TurnRunner
from bot.queue.failures import is_transient, retry_delay

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0  # fallback wake-up when nothing woke us (another process enqueued)
MAX_BACKOFF = 10.0  # database unreachable: wait at most this long between claims
CLAIM_BATCH = 4  # threads claimed in one statement at most (more starves the acks of pool connections)
MAX_ATTEMPTS = 8  # runs of one item (passing failures, backed off) before it is marked failed
NOTICE_SECONDS = 15.0  # a turn with no answer after this long is told so (bot/queue/delay.py)
TURN_DEADLINE = 300.0  # ... and fails after this long, retries included


class RetryLater(Exception):
    def __init__(self, delay: float, error: str) -> None:
        super().__init__(error)
        self.delay, self.error = delay, error


class WorkerPool:
    def __init__(self, inbox: Inbox, runner: TurnRunner, concurrency: int, *, outbox: SlackOut | None = None,
                 name: str | None = None, max_attempts: int = MAX_ATTEMPTS,
                 notice_seconds: float = NOTICE_SECONDS, turn_deadline: float = TURN_DEADLINE) -> None:
        self.inbox = inbox
        self.notice_seconds, self.turn_deadline = notice_seconds, turn_deadline
        self.outbox = outbox  # tells the user when their item is given up; None in lease-loop tests
        self.max_attempts = max_attempts
        self.runner = runner
        self.concurrency = concurrency
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._loops: list[asyncio.Task] = []
        self._runs: set[asyncio.Task] = set()

    def wake(self) -> None:
        self._wake.set()

    @property
    def active_runs(self) -> int:
        """Threads being run right now (also counts a run whose item is already marked done)."""
        return len(self._runs)

    async def start(self) -> None:
        self._slots = asyncio.Semaphore(self.concurrency)
        self._loops = [asyncio.create_task(self._claim_loop(), name="worker-claims")]
        log.info("workers started", extra={"workers": self.concurrency, "owner": self.name})

    async def stop(self, deadline: float) -> None:
        """Stop claiming; let running threads finish within ``deadline`` seconds, then requeue them."""
        self._stopping.set()
        self._wake.set()
        await cancel_and_wait(self._loops)
        runs = set(self._runs)
        if runs:
            _, pending = await asyncio.wait(runs, timeout=deadline)
            await cancel_and_wait(pending)
        log.info("workers stopped", extra={"owner": self.name})

    async def _claim_loop(self) -> None:
        """One claimer per process, ``concurrency`` runs at most: a run waiting on the model
        holds a slot, not the claimer, so a burst of threads is claimed back to back (and an
        idle process polls with one query, not one per worker)."""
        backoff = 0.1
        while not self._stopping.is_set():
            await self._slots.acquire()
            # Free slots are claimed for together (up to CLAIM_BATCH): under a burst the claimer
            # gets the loop back only once per cycle of all the runs' work, so one claim a
            # thread starts the 50th run many cycles after the first. Not all at once: runs
            # starting together crowd the pool and the acks wait for a connection.
            slots = 1
            while slots < CLAIM_BATCH and not self._slots.locked():
                await self._slots.acquire()
                slots += 1
            # Deliveries being stored finish first: runs starting now would delay their acks.
            await self.inbox.acks.settled()
            # Cleared before the claim: a wake-up that arrives during it is not lost.
            self._wake.clear()
            try:
                asked = time.monotonic()
                leases = await self.inbox.claim_many(self.name, slots)
                backoff = 0.1
            except Exception:
                self._release_slots(slots)
                log.warning("claim failed; backing off", extra={"backoff": backoff}, exc_info=True)
                await self._sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            self._release_slots(slots - len(leases))
            for lease in leases:
                _dated_from(lease, asked)
                task = asyncio.create_task(self._hold(lease), name=f"run:{lease.thread_id}")
                self._runs.add(task)
                task.add_done_callback(self._run_done)
            if len(leases) < slots:  # nothing more open right now: wait to be woken
                await self._idle()

    def _release_slots(self, count: int) -> None:
        for _ in range(count):
            self._slots.release()

    def _run_done(self, task: asyncio.Task) -> None:
        self._runs.discard(task)
        self._slots.release()
        if not task.cancelled() and task.exception() is not None:
            log.error("thread run ended with an error", exc_info=task.exception())

    async def _idle(self) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=POLL_SECONDS)
        except asyncio.TimeoutError:
            pass

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            pass

    async def _hold(self, lease: Lease) -> None:
        """Own one thread until it has no open items, renewing the lease meanwhile."""
        work = asyncio.current_task()
        held = asyncio.Event()  # cleared when the hold ends: the renewer stops even if its cancel was lost
        held.set()
        renewer = asyncio.create_task(self._renew(lease, work, held), name=f"renew:{lease.thread_id}")
        requeue, retry = True, None
        try:
            items = await self.inbox.take(lease)
            while items:
                await self._run_items(lease, items)
                if self._stopping.is_set():
                    await self.inbox.finish(lease, items[-1].item_id)
                    break
                # One statement: these items done, the next taken (or the lease given back).
                items = await self.inbox.finish_and_take(lease, items[-1].item_id)
            requeue = False
        except LeaseLost:
            log.warning("lease lost; another worker took over", extra={"thread_id": lease.thread_id})
            return
        except asyncio.CancelledError:
            log.info("run cancelled; items go back to the inbox", extra={"thread_id": lease.thread_id})
            raise
        except RetryLater as later:
            retry = later
            log.warning("run failed for a passing reason; retrying later",
                        extra={"thread_id": lease.thread_id, "delay": round(later.delay, 1), "error": later.error})
        except Exception:
            # A lost database or our own bug: retry after a pause (it counts as
            # an attempt, so a bug cannot loop forever).
            log.exception("thread run crashed", extra={"thread_id": lease.thread_id})
            retry = RetryLater(5.0, "worker error")
        finally:
            held.clear()
            renewer.cancel()
            await asyncio.gather(renewer, return_exceptions=True)
            if lease.valid:
                try:
                    await asyncio.shield(self.inbox.release(
                        lease, requeue=requeue, count_attempt=retry is not None,
                        delay=retry.delay if retry else 0.0, error=retry.error if retry else None))
                except Exception:
                    log.warning("could not release lease; it will expire", extra={"thread_id": lease.thread_id})

    async def _run_items(self, lease: Lease, items) -> None:
        upto = items[-1].item_id
        extra = {"thread_id": lease.thread_id, "item_id": upto, "items": len(items), "fence": lease.fence}
        if max(i.attempts for i in items) > self.max_attempts + 2:
            # Taken again and again without ever failing cleanly: the process
            # dies on this input. Stop retrying and tell the user.
            await self._give_up(lease, items, RuntimeError("the run never completed after repeated attempts"))
            return
        deadline = turn_started(items) + self.turn_deadline
        if max(i.attempts for i in items) <= 1:
            # Taken for the first time: a backlog left by a stopped bot or a deploy is answered, not
            # failed unseen. The deadline bounds the turn's own run and its retries, from now at the latest.
            deadline = max(deadline, time.time() + self.turn_deadline)
        elif time.time() >= deadline:  # it waited out its deadline between attempts (back-offs)
            await self._give_up(lease, items, self._past_deadline())
            return
        log.info("run started", extra=extra)
        timer = METRICS.run_seconds.time()
        notice = DelayNotice(self._out(lease), items, self.notice_seconds)
        bound = asyncio.timeout(deadline - time.time())
        try:
            async with notice:
                with timer:
                    async with bound:
                        result = await self.runner.run(lease, items, watch=notice.watch)
        except (LeaseLost, asyncio.CancelledError):
            raise
        except Exception as exc:
            METRICS.runs.labels(outcome="error").inc()
            log.exception("run failed", extra=extra)
            if bound.expired():
                exc = self._past_deadline()
            attempts = max(i.attempts for i in items)
            delay = retry_delay(attempts)
            if not is_transient(exc) or attempts >= self.max_attempts or time.time() + delay >= deadline:
                await self._give_up(lease, items, exc)
                return
            if notice.late_by(delay):  # the next attempt comes after the notice time: say so now
                await notice.post(model=is_model_error(exc) or notice.watch.trouble)
            raise RetryLater(delay, f"{type(exc).__name__}: {exc}"[:2000]) from exc
        if result.held:
            await self.inbox.hold(lease, result.held)
        # The items are marked done by the caller, with the next take (finish_and_take).
        METRICS.runs.labels(outcome="paused" if result.paused else "answered").inc()
        log.info("run finished", extra={**extra, "posted": len(result.posted), "paused": len(result.paused)})

    async def _give_up(self, lease: Lease, items, exc: Exception) -> None:
        try:
            out = self._out(lease)
            if out is not None:  # in place of the delay notice, when there was one
                await out.replace(error_key(lease.thread_id, items[-1].item_id), say.RUN_FAILED_FINAL,
                                  over=notice_key(lease.thread_id, items[0].item_id), kind="error")
        except LeaseLost:
            raise
        except Exception:
            log.warning("could not tell the user about the failure", extra={"thread_id": lease.thread_id})
        await self.inbox.finish(lease, items[-1].item_id, status="failed", error=f"{type(exc).__name__}: {exc}"[:2000])

    def _past_deadline(self) -> TurnDeadline:
        return TurnDeadline(f"not answered within {self.turn_deadline:g}s")

    def _out(self, lease: Lease):
        place = parse_thread_id(lease.thread_id)
        return self.outbox.to(lease, place) if place is not None and self.outbox is not None else None

    async def _renew(self, lease: Lease, work: asyncio.Task | None, held: asyncio.Event | None = None) -> None:
        interval = max(lease.seconds / 3, 0.5)
        if held is None:
            held = asyncio.Event()
            held.set()
        # Not ``while True``: on Python 3.11 psycopg_pool waits for a connection with
        # asyncio.wait_for, which can swallow this task's cancellation; the loop would
        # then renew the lease of a finished hold forever and the thread never runs again.
        while held.is_set():
            await asyncio.sleep(interval)
            if not held.is_set():
                return
            asked = time.monotonic()
            try:
                # Bounded by the lease: a renewal stuck on an unreachable database must
                # not keep the run going past the deadline.
                # (asyncio.timeout, not wait_for: on 3.11 wait_for can swallow the renewer's own
                # cancellation when the renewal completes at that moment, and the run never ends.)
                async with asyncio.timeout(max(lease.deadline - asked, 0.1)):
                    renewed = await self.inbox.renew(lease)
                _dated_from(lease, asked)
                if not renewed or not lease.valid:
                    log.warning("lease taken over; stopping the run", extra={"thread_id": lease.thread_id})
                    if work is not None:
                        work.cancel()
                    return
            except Exception:
                # Database unreachable: keep trying until the local deadline passes.
                if not lease.valid and work is not None:
                    work.cancel()
                    return


def _dated_from(lease: Lease, asked: float) -> None:
    """Count a claimed or renewed lease from when it was asked for, as the database does
    (its expiry is ``now`` at the call + the lease), not from when the answer came back:
    after a slow round trip (a database coming back, a busy pool) the worker must not
    believe in a lease that another worker may already have taken over."""
    lease.deadline = min(lease.deadline, asked + lease.seconds * 0.8)
