"""Two bot processes on one PostgreSQL: each thread has one writer at a time."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import Counter

import pytest
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

from tests.durability.botproc import query
from tests.durability.conftest import answers, deliver, mention, new_user_texts, reply, settled, wait_for

pytestmark = pytest.mark.slow

THREADS, MESSAGES = 20, 5


def root_ts(i: int) -> str:
    return f"700.{i:06d}"


def text(i: int, k: int) -> str:
    return f"thread {i} message {k}"


def threads_run_by(bot) -> set[str]:
    runs = (json.loads(line) for line in bot.log_path.read_text().splitlines() if line.startswith("{"))
    return {r["thread_id"] for r in runs if r.get("event") == "run started"}


async def checkpoint_chain(saver: AsyncPostgresSaver, thread_id: str) -> list:
    config = {"configurable": {"thread_id": thread_id}}
    return [c async for c in saver.alist(config) if c.config["configurable"]["checkpoint_ns"] == ""]


async def test_two_processes_answer_every_message_once_in_order_without_forking_a_thread(
        pg_url, bots, fake_slack, fake_openai):
    fake_openai.delay = 0.2  # runs overlap with deliveries to the other process
    processes = first, second = bots.start_together(pg_url, ("a", "b"))

    def answered_upto(i: int) -> int:
        return max((int(t.rsplit(" ", 1)[1]) for t in answers(fake_slack, root_ts(i))), default=-1)

    def released(i: int) -> bool:
        return bool(query(pg_url, "SELECT 1 FROM thread_leases WHERE thread_id = ? AND expires_at < ?",
                          (f"slack:T1:C1:{root_ts(i)}", time.time())))

    async def converse(i: int) -> None:
        # In order within a thread (each delivery acked before the next); message k goes to process k % 2.
        # An odd message waits until the one before it is answered and its process let go of the
        # thread, so the thread changes hands; an even one may arrive while a run is going.
        for k in range(MESSAGES):
            if k % 2:
                await wait_for(lambda: answered_upto(i) >= k - 1 and released(i), 30,
                               f"thread {i} message {k - 1} answered and the thread released")
            ts = f"{700 + k + 1}.{i:06d}"
            event = mention(text(i, k), root_ts(i)) if k == 0 else reply(text(i, k), ts, root_ts(i))
            assert await deliver(processes[k % 2], event) == 200

    await asyncio.gather(*(converse(i) for i in range(THREADS)))
    await settled(pg_url, timeout=60)

    assert {s for (s,) in query(pg_url, "SELECT DISTINCT status FROM inbox")} == {"done"}
    # Threads did change hands between the processes (how many depends on
    # scheduling; a handful is enough to make the checks below meaningful).
    assert len(threads_run_by(first) & threads_run_by(second)) >= 3
    # Every user message was given to the model exactly once (as new input of one run).
    given = Counter(t for request in fake_openai.requests for t in new_user_texts(request))
    assert given == Counter(text(i, k) for i in range(THREADS) for k in range(MESSAGES))

    for i in range(THREADS):
        # Replies in order: each answers the newest message of its run, and the last answers message 4.
        answered = [int(re.fullmatch(rf"echo: thread {i} message (\d)", t).group(1))
                    for t in answers(fake_slack, root_ts(i))]
        assert answered == sorted(set(answered)) and answered[-1] == MESSAGES - 1, answered

    async with AsyncPostgresSaver.from_conn_string(pg_url) as saver:
        for i in range(THREADS):
            chain = await checkpoint_chain(saver, f"slack:T1:C1:{root_ts(i)}")
            ids = [c.config["configurable"]["checkpoint_id"] for c in reversed(chain)]  # oldest first
            parents = [c.parent_config["configurable"]["checkpoint_id"] if c.parent_config else None
                       for c in reversed(chain)]
            assert parents.count(None) == 1, f"thread {i}: {parents.count(None)} roots"
            assert parents == [None, *ids[:-1]], f"thread {i}: checkpoint history forked"
            state = chain[0].checkpoint["channel_values"]["messages"]
            humans = [m.content for m in state if m.type == "human"]
            assert humans == [text(i, k) for k in range(MESSAGES)]
