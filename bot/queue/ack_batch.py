"""Deliveries that arrive together are written together: one statement, one commit.

Under a burst of 50 deliveries each ack waited its turn for one of a few connections,
and each write was a round trip and a commit of its own; most of an ack's time was
that queue (issue 15). Here a write joins the batch being gathered; the batch goes out
on the next turn of the event loop, or, while ``IN_FLIGHT`` batches are already on the
wire, as soon as one of them returns. A lone delivery is written as soon as it comes:
it costs one turn of the loop, nothing more.

Each row keeps its own answer (stored, duplicate, not ours), exactly as it would alone:
* two deliveries of the same message (a retry, or ``message`` beside ``app_mention``)
  never share a batch: the later one waits for the next, where it is a duplicate;
* a reply is ours when its thread was joined before, or by a mention in the same batch;
* a row the database refuses (a value PostgreSQL cannot store) fails only itself: on
  such an error the batch is written again row by row, so the others are stored;
* with the database unreachable every caller gets the error: Bolt answers 500 and
  Slack sends the delivery again.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from dataclasses import dataclass, field

import psycopg

from graph.db import Database

IN_FLIGHT = 2  # batches written at once (docs/benchmarks.md, issue 15)
# PostgreSQL connections reserved for the ack's write, beside DATABASE_POOL_SIZE: one for each
# batch on the wire, and one for a batch retried after its connection turned out dead.
ACK_CONNECTIONS = IN_FLIGHT + 1
MAX_ROWS = 100  # bounds one statement's size; a larger burst goes out in several
WAIT = 2.0  # seconds a batch may wait for a connection: Slack gives up on the ack at 3 s

MODES = ("join", "if_joined", "insert")


@dataclass(frozen=True)
class Stored:
    item_id: int | None  # None: nothing new was stored
    ours: bool  # False: a reply in a thread the bot never joined (nothing stored)


@dataclass
class _Row:
    mode: str  # "join": store it and join its thread; "if_joined": only in a joined thread
    params: dict  # inbox_insert's, plus team_id/channel_id/thread_ts/user_id for "join"
    future: asyncio.Future = field(repr=False)


class AckBatch:
    """Per process (one ``Inbox``); ``db`` is the ack's lane (``Database.for_acks``)."""

    def __init__(self, db: Database, *, in_flight: int = IN_FLIGHT) -> None:
        self.db = db
        self.in_flight = in_flight
        self._waiting: list[_Row] = []
        self._flushing = 0
        self._scheduled = False
        self._tasks: set[asyncio.Task] = set()

    async def store(self, mode: str, params: dict) -> Stored:
        if mode not in MODES:
            raise ValueError(f"mode is one of {MODES}, not {mode!r}")
        row = _Row(mode, params, asyncio.get_running_loop().create_future())
        self._waiting.append(row)
        self._schedule()
        return await row.future

    def _schedule(self) -> None:
        # call_soon rather than now: the deliveries read in this same turn of the loop join.
        if self._waiting and not self._scheduled and self._flushing < self.in_flight:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._start)

    def _start(self) -> None:
        self._scheduled = False
        if self._flushing >= self.in_flight:
            return
        batch = self._take()
        if not batch:
            return
        self._flushing += 1
        task = asyncio.get_running_loop().create_task(self._flush(batch))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        self._schedule()  # another batch may go beside this one

    def _take(self) -> list[_Row]:
        batch, rest, keys = [], [], set()
        for row in self._waiting:
            if row.future.done():  # its caller went away (the sender hung up): Slack will retry
                continue
            key = row.params["delivery_key"]
            if key in keys or len(batch) >= MAX_ROWS:
                rest.append(row)
            else:
                keys.add(key)
                batch.append(row)
        self._waiting = rest
        return batch

    async def _flush(self, batch: list[_Row]) -> None:
        try:
            await self._write(batch)
        finally:
            self._flushing -= 1
            self._schedule()

    async def _write(self, batch: list[_Row]) -> None:
        try:
            results = await self._store_all(batch)
        except Exception as exc:
            if len(batch) > 1 and not _unreachable(exc):
                for row in batch:  # one row's bad value must not cost the others their ack
                    await self._write([row])
                return
            for row in batch:
                if not row.future.done():
                    row.future.set_exception(exc)
            return
        for row, result in zip(batch, results):
            if not row.future.done():
                row.future.set_result(result)

    async def _store_all(self, batch: list[_Row]) -> list[Stored]:
        if self.db.dialect == "postgres":
            return await self._postgres(batch)
        return await self._sqlite(batch)

    async def _postgres(self, batch: list[_Row]) -> list[Stored]:
        rows = [{**self.db.sealed(row.params), "ord": n, "mode": row.mode} for n, row in enumerate(batch)]
        # Idempotent (keyed by delivery), so a pooled connection found dead is retried on another.
        found = await self.db.fetchall("inbox_accept_batch", {"rows": json.dumps(rows)},
                                       wait=WAIT, retry_broken=True)
        by_ord = {r["ord"]: r for r in found}
        return [Stored(by_ord[n]["item_id"], bool(by_ord[n]["ours"])) for n in range(len(batch))]

    async def _sqlite(self, batch: list[_Row]) -> list[Stored]:
        # SQLite has no INSERT inside WITH: the single-row statements, in one transaction
        # (one commit, one turn of the write lock).
        results = []
        async with self.db.transaction(WAIT) as tx:
            for row in batch:
                if row.mode == "join":
                    found = await tx.fetchone("inbox_accept_joining", row.params)
                    ours = True
                elif row.mode == "if_joined":
                    found = await tx.fetchone("inbox_accept_if_joined", row.params)
                    ours = found is not None or await tx.fetchone(
                        "conversation_get", {"thread_id": row.params["thread_id"]}) is not None
                else:
                    found, ours = await tx.fetchone("inbox_insert", row.params), True
                results.append(Stored(found["item_id"] if found else None, ours))
        return results


def _unreachable(exc: Exception) -> bool:
    """The database, not a row, is the trouble: writing row by row would only wait longer."""
    return isinstance(exc, (psycopg.OperationalError, sqlite3.OperationalError, OSError, asyncio.TimeoutError))
