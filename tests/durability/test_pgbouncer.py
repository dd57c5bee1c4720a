"""Two bot processes through PgBouncer in transaction mode: every message answered once.

PgBouncer hands a server connection to a client for one transaction only, so
nothing may rely on session state (server-side prepared statements, LISTEN,
session advisory locks, SET). The bots run through it against the test's
PostgreSQL, with fewer server connections than the two pools ask for.
"""

from __future__ import annotations

import asyncio
import re
import urllib.parse
from collections import Counter

import pytest

from tests.durability.botproc import query
from tests.durability.conftest import answers, deliver, mention, new_user_texts, reply, settled, wait_for
from tests.support.pgbouncer import PgBouncer

pytestmark = pytest.mark.slow

THREADS, MESSAGES = 8, 3
SERVER_CONNECTIONS, POOL_PER_PROCESS = 6, 8


@pytest.fixture
def pgbouncer(pg_url):
    bouncer = PgBouncer(pg_url, pool_size=SERVER_CONNECTIONS).start()
    try:
        yield bouncer
    finally:
        print(f"==== pgbouncer log tail\n{bouncer.log_tail()}")
        bouncer.stop()


def root_ts(i: int) -> str:
    return f"800.{i:06d}"


def text(i: int, k: int) -> str:
    return f"thread {i} message {k}"


async def test_two_processes_through_pgbouncer_in_transaction_mode_answer_every_message_once(
        pg_url, pgbouncer, bots, fake_slack, fake_openai):
    through = pgbouncer.url_for(pg_url)
    # Both start (and migrate) through PgBouncer too.
    processes = bots.start_together(through, ("a", "b"), DATABASE_POOL_SIZE=POOL_PER_PROCESS)

    async def converse(i: int) -> None:
        # Message k of thread i goes to process (i + k) % 2, so every thread changes hands.
        for k in range(MESSAGES):
            event = (mention(text(i, k), root_ts(i)) if k == 0
                     else reply(text(i, k), f"{800 + k}.{i:06d}", root_ts(i)))
            assert await deliver(processes[(i + k) % 2], event) == 200
            await wait_for(lambda: len(answers(fake_slack, root_ts(i))) > k, 60, f"thread {i} message {k} answered")

    await asyncio.gather(*(converse(i) for i in range(THREADS)))
    await settled(pg_url, timeout=60)

    assert {s for (s,) in query(pg_url, "SELECT DISTINCT status FROM inbox")} == {"done"}
    given = Counter(t for request in fake_openai.requests for t in new_user_texts(request))
    assert given == Counter(text(i, k) for i in range(THREADS) for k in range(MESSAGES))
    for i in range(THREADS):
        answered = [re.fullmatch(rf"echo: (thread {i} message \d)", t).group(1) for t in answers(fake_slack, root_ts(i))]
        assert answered == [text(i, k) for k in range(MESSAGES)]

    # It really went through PgBouncer, in transaction mode, on fewer server connections than clients.
    database = urllib.parse.urlsplit(pg_url).path.lstrip("/")
    pool = next(p for p in pgbouncer.admin("SHOW POOLS") if p["database"] == database)
    assert pool["pool_mode"] == "transaction"
    stats = next(s for s in pgbouncer.admin("SHOW STATS") if s["database"] == database)
    assert stats["total_xact_count"] > THREADS * MESSAGES
    clients = [c for c in pgbouncer.admin("SHOW CLIENTS") if c["database"] == database]
    servers = [s for s in pgbouncer.admin("SHOW SERVERS") if s["database"] == database]
    assert len(servers) <= SERVER_CONNECTIONS < len(clients)
