"""LISTEN/NOTIFY wake-ups across processes (issue 15): an insert into the inbox on
PostgreSQL wakes a listener on another connection; the setting turns the listener off."""

from __future__ import annotations

import asyncio

import pytest

from bot.config import load_settings
from bot.queue.inbox import Inbox
from bot.queue.wakeups import listen_for_work
from bot.wiring import Service
from graph.storage import open_storage

pytestmark = pytest.mark.postgres


async def test_an_inbox_insert_wakes_a_worker_listening_on_another_connection(pg_url):
    woken = asyncio.Event()
    stopping = asyncio.Event()
    async with open_storage(pg_url) as storage:
        listener = asyncio.create_task(listen_for_work(storage.url.target, woken.set, stopping))
        try:
            await asyncio.wait_for(woken.wait(), 30)  # listening now (it wakes once on connecting)
            woken.clear()
            await Inbox(storage.db).enqueue("T1:C1:1.0", "slack:T1:C1:1.0", "message", {"text": "hi"})
            await asyncio.wait_for(woken.wait(), 30)
            woken.clear()
            # A duplicate delivery stores nothing and wakes nobody; a new one wakes again.
            await Inbox(storage.db).enqueue("T1:C1:1.0", "slack:T1:C1:1.0", "message", {"text": "hi"})
            await Inbox(storage.db).enqueue("T1:C1:2.0", "slack:T1:C1:1.0", "message", {"text": "again"})
            await asyncio.wait_for(woken.wait(), 30)
        finally:
            stopping.set()
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)


@pytest.mark.parametrize("listen", [True, False])
async def test_the_listener_runs_unless_turned_off_for_pgbouncer(pg_url, listen):
    settings = load_settings(slack_bot_token="xoxb-test", slack_signing_secret="s", database_url=pg_url,
                             supportbot_listen=listen)
    async with Service(settings, workers=1, web=False) as service:
        names = [t.get_name() for t in service.side_tasks]
    assert ("listen" in names) is listen
