"""Claiming many threads in one statement, and a run's end in one named query on both
dialects (issue 15): the claimer asks for as many threads as it has free slots, each
thread once, oldest first; ``inbox_finish_take`` marks done, takes the next items, or
gives the lease back when none is left."""

from __future__ import annotations

from bot.queue.inbox import Inbox
from tests.support.fixtures import database_fixture

database_url = database_fixture("sqlite", "postgres")


async def enqueue(inbox: Inbox, thread: str, n: int) -> int:
    return await inbox.enqueue(f"T1:C1:{thread}.{n}", f"slack:T1:C1:{thread}", "message", {"text": f"{n}"})


async def test_one_claim_takes_as_many_threads_as_asked_each_once_oldest_first(storage):
    inbox = Inbox(storage.db)
    await enqueue(inbox, "1", 1)
    await enqueue(inbox, "1", 2)  # a second item of the same thread: still one lease
    await enqueue(inbox, "2", 1)
    await enqueue(inbox, "3", 1)
    first = await inbox.claim_many("w1", 2)
    assert [lease.thread_id for lease in first] == ["slack:T1:C1:1", "slack:T1:C1:2"]
    rest = await inbox.claim_many("w2", 10)
    assert [lease.thread_id for lease in rest] == ["slack:T1:C1:3"]
    assert await inbox.claim_many("w3", 10) == []


async def test_the_end_of_a_run_takes_the_next_items_or_gives_the_lease_back(storage):
    inbox = Inbox(storage.db)
    first = await enqueue(inbox, "1", 1)
    (lease,) = await inbox.claim_many("w1", 1)
    assert [i.item_id for i in await inbox.take(lease)] == [first]
    second = await enqueue(inbox, "1", 2)  # arrived during the run
    assert [i.item_id for i in await inbox.finish_and_take(lease, first)] == [second]
    assert lease.valid
    assert await inbox.finish_and_take(lease, second) == []
    assert not lease.valid
    assert (await inbox.get(first))["status"] == "done" and (await inbox.get(second))["status"] == "done"
    # The lease was given back: another worker claims the thread's next item at once.
    third = await enqueue(inbox, "1", 3)
    (again,) = await inbox.claim_many("w2", 5)
    assert again.fence == lease.fence + 1
    assert [i.item_id for i in await inbox.take(again)] == [third]
