"""Forget while the thread's turn is answering: it waits for the turn (or refuses in a sentence),
then nothing of the thread is left in any table, nor in the SQLite file, its -wal or -shm."""

from __future__ import annotations

import asyncio

from bot import messages as say_text
from bot.operators import forget
from tests.long.helpers import dump_contains, files_containing, tables_containing
from tests.slack.conftest import SECRET, running_bot
from tests.support.fixtures import database_fixture
from tests.support.slack_requests import apost_event, apost_form, app_mention_event, event_callback, slash_command

CANARY = "CANARY-d41c8e0b"
OPERATOR = "UOPS"
THREAD = "slack:T1:C1:100.000001"

database_url = database_fixture("sqlite", "postgres")


async def support(bot, user: str, text: str) -> str:
    seen = len(bot.slack.ephemerals)
    status, _ = await apost_form(bot.events_url, SECRET, slash_command(
        "/support", text, user, "C1", thread_ts="100.000001"))
    assert status == 200
    return (await bot.slack.await_until(lambda: bot.slack.ephemerals[seen:], timeout=20))[0]["text"]


async def until(condition, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def leftovers(bot, database_url: str) -> list[str]:
    storage = bot.service.agent.storage
    found = await tables_containing(storage, CANARY)
    if database_url.startswith("sqlite:///"):
        found += files_containing(database_url[len("sqlite:///"):], CANARY)
    else:
        found += await dump_contains(storage, CANARY)
    return found


async def test_forget_during_a_running_turn_waits_for_it_then_leaves_nothing(
        database_url, fake_slack, fake_openai, monkeypatch):
    async with running_bot(database_url, fake_slack, fake_openai, supportbot_operators=OPERATOR) as bot:
        fake_openai.delay = 2.0  # the turn is answering while forget is asked
        await apost_event(bot.events_url, SECRET, event_callback(
            app_mention_event("C1", "U1", f"my secret is {CANARY}", "100.000001")))
        await until(lambda: fake_openai.calls >= 1)

        monkeypatch.setattr(forget, "WAIT_SECONDS", 0.2)
        assert await support(bot, "U1", "forget") == say_text.FORGET_BUSY
        assert await tables_containing(bot.service.agent.storage, CANARY)  # refused: nothing touched

        monkeypatch.setattr(forget, "WAIT_SECONDS", 10.0)
        assert await support(bot, "U1", "forget") == say_text.FORGOTTEN.format(thread_id=THREAD)
        # The turn finished first: its answer was posted, then erased with the rest.
        assert any(CANARY in m["text"] for m in fake_slack.messages("C1", "100.000001"))
        await bot.idle()
        assert await leftovers(bot, database_url) == []
        assert await support(bot, OPERATOR, "forget") == say_text.FORGET_NOTHING.format(thread_id=THREAD)
