"""The durable inbox: Slack deliveries stored before the ack, claimed per thread under a lease.

* ``enqueue``  one INSERT, unique on the delivery key; a duplicate inserts nothing.
* ``claim``    take the lease of the thread with the oldest open item that nobody
               holds (or whose holder's lease expired: crash recovery); the lease's
               ``fence`` grows on every take-over.
* ``take``     all open items of the claimed thread, in order, for one run.
* ``finish`` / ``renew`` / ``release`` check the fence, so a worker that lost its
  lease cannot change anything after another took over.
"""

from __future__ import annotations

import json
import time
from contextvars import ContextVar
from dataclasses import dataclass, field

from bot.queue.ack_batch import AckBatch
from bot.queue.acks import AcksInFlight
from graph.db import Database


class LeaseLost(Exception):
    """Another worker owns the thread now; stop without writing anything."""


@dataclass
class Lease:
    thread_id: str
    fence: int
    owner: str
    seconds: float
    # Local deadline (monotonic): we stop acting a margin before the database
    # would let someone else take over, so a stalled worker fences itself.
    deadline: float = field(default=0.0)

    def extend(self) -> None:
        self.deadline = time.monotonic() + self.seconds * 0.8

    @property
    def valid(self) -> bool:
        return time.monotonic() < self.deadline

    def check(self) -> None:
        if not self.valid:
            raise LeaseLost(f"lease on {self.thread_id} (fence {self.fence}) expired")


# Set by the worker around a run; the fenced checkpointer reads it.
current_lease: ContextVar[Lease | None] = ContextVar("current_lease", default=None)


@dataclass(frozen=True)
class Item:
    item_id: int
    delivery_key: str
    thread_id: str
    kind: str  # "message" | "resume" | "reconcile" (bot/approvals/reconcile.py)
    payload: dict
    attempts: int
    created_at: float

    @classmethod
    def from_row(cls, row: dict) -> "Item":
        return cls(row["item_id"], row["delivery_key"], row["thread_id"], row["kind"],
                   json.loads(row["payload"]), row["attempts"], row["created_at"])


class Inbox:
    def __init__(self, db: Database, lease_seconds: float = 30.0) -> None:
        self.db = db
        self.lease_seconds = lease_seconds
        self.acks = AcksInFlight()  # bot/queue/intake.py counts, the claimer waits for them
        self.batch = AckBatch(db.for_acks())  # the ack's write (bot/queue/intake.py)

    async def enqueue(self, delivery_key: str, thread_id: str, kind: str, payload: dict, *, tx=None) -> int | None:
        """Store a delivery; returns its item id, or None when it was already stored."""
        params = {"delivery_key": delivery_key, "thread_id": thread_id, "kind": kind,
                  "payload": json.dumps(payload), "now": time.time()}
        if tx is not None:
            row = await tx.fetchone("inbox_insert", params)
        else:
            row = await self.db.fetchone("inbox_insert", params)
        return row["item_id"] if row else None

    async def claim_many(self, owner: str, limit: int) -> list[Lease]:
        """Leases on up to ``limit`` threads with open items, in one statement."""
        now = time.time()
        rows = await self.db.fetchall(
            "claim_threads", {"owner": owner, "now": now, "expires": now + self.lease_seconds, "limit": limit}
        )
        leases = [Lease(row["thread_id"], int(row["fence"]), owner, self.lease_seconds) for row in rows]
        for lease in leases:
            lease.extend()
        return leases

    async def take(self, lease: Lease) -> list[Item]:
        lease.check()
        rows = await self.db.fetchall(
            "inbox_take", {"thread_id": lease.thread_id, "fence": lease.fence, "now": time.time()}
        )
        return sorted((Item.from_row(r) for r in rows), key=lambda i: i.item_id)

    async def renew(self, lease: Lease) -> bool:
        now = time.time()
        count = await self.db.execute(
            "lease_renew",
            {"thread_id": lease.thread_id, "fence": lease.fence, "owner": lease.owner,
             "now": now, "expires": now + lease.seconds},
        )
        if count == 1:
            lease.extend()
            return True
        lease.deadline = 0.0
        return False

    async def finish(self, lease: Lease, upto: int, status: str = "done", error: str | None = None) -> int:
        lease.check()
        return await self.db.execute(
            "inbox_finish",
            {"thread_id": lease.thread_id, "fence": lease.fence, "upto": upto,
             "status": status, "error": error, "now": time.time()},
        )

    async def finish_and_take(self, lease: Lease, upto: int) -> list[Item]:
        """End a run: its items up to ``upto`` done, the thread's next items taken; with
        none left the lease is given back (and ``lease`` is no longer valid)."""
        lease.check()
        params = {"thread_id": lease.thread_id, "fence": lease.fence, "owner": lease.owner, "upto": upto,
                  "status": "done", "error": None, "now": time.time()}
        rows = await self.db.fetchall("inbox_finish_take", params)
        if not rows:
            lease.deadline = 0.0
        return sorted((Item.from_row(r) for r in rows), key=lambda i: i.item_id)

    async def hold(self, lease: Lease, item_ids: list[int]) -> None:
        """Park messages that arrived while a pause waits for a human."""
        lease.check()
        for item_id in item_ids:
            await self.db.execute("inbox_hold", {"item_id": item_id, "fence": lease.fence, "now": time.time()})

    async def unhold(self, lease: Lease) -> int:
        lease.check()
        return await self.db.execute("inbox_unhold", {"thread_id": lease.thread_id, "now": time.time()})

    async def release(self, lease: Lease, *, requeue: bool, count_attempt: bool = False,
                      delay: float = 0.0, error: str | None = None) -> None:
        """Give the thread back: its running items return to pending when ``requeue``.

        A drain (shutdown) does not count as an attempt; a failed run does, and
        its items wait ``delay`` seconds before they can be claimed again.
        """
        now = time.time()
        params = {"thread_id": lease.thread_id, "fence": lease.fence, "owner": lease.owner,
                  "now": now, "refund": 0 if count_attempt else 1, "available_at": now + delay, "error": error}
        if requeue:
            async with self.db.transaction() as tx:
                await tx.execute("inbox_release", params)
                await tx.execute("lease_release", params)
        else:
            await self.db.execute("lease_release", params)
        lease.deadline = 0.0

    async def retry(self, item_id: int) -> str | None:
        row = await self.db.fetchone("inbox_retry", {"item_id": item_id, "now": time.time()})
        return row["thread_id"] if row else None

    async def retry_thread(self, thread_id: str) -> int:
        return await self.db.execute("inbox_retry_thread", {"thread_id": thread_id, "now": time.time()})

    async def get(self, item_id: int) -> dict | None:
        return await self.db.fetchone("inbox_get", {"item_id": item_id})

    async def depth(self) -> tuple[int, float | None]:
        row = await self.db.fetchone("inbox_depth")
        return int(row["depth"]), row["oldest"]
