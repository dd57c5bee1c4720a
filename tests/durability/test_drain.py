"""SIGTERM (a deploy): the process drains and exits 0 within its deadline; the message in
flight is answered exactly once, before the exit or by the next process."""

from __future__ import annotations

import asyncio

import pytest

from tests.durability.botproc import open_items, query
from tests.durability.conftest import answers, deliver, mention, settled, wait_for

pytestmark = pytest.mark.slow


async def test_sigterm_lets_the_run_in_flight_finish_and_exits_0(database_url, bots, fake_slack, fake_openai):
    fake_openai.delay = 2.0
    bot = bots.start(database_url, drain=10)
    assert await deliver(bot, mention("finish me", "1000.000001")) == 200
    await wait_for(lambda: fake_openai.calls >= 1, 15, "the run is at the model")

    code, seconds = await asyncio.to_thread(bot.terminate, 30)
    assert code == 0
    assert seconds < 10, f"took {seconds:.1f}s, beyond the drain deadline"
    assert answers(fake_slack, "1000.000001") == ["echo: finish me"]
    assert open_items(database_url) == 0  # nothing left for another process to answer again


async def test_sigterm_past_the_drain_deadline_requeues_the_run_and_the_next_bot_answers_once(
        database_url, bots, fake_slack, fake_openai):
    fake_openai.delay = 4.0
    bot = bots.start(database_url, drain=1)
    assert await deliver(bot, mention("too slow to drain", "1010.000001")) == 200
    await wait_for(lambda: fake_openai.calls >= 1, 15, "the run is at the model")

    code, seconds = await asyncio.to_thread(bot.terminate, 30)
    assert code == 0
    assert seconds < 1 + 2, f"took {seconds:.1f}s for a 1s drain deadline"
    assert answers(fake_slack, "1010.000001") == []
    assert query(database_url, "SELECT status FROM inbox") == [("pending",)]

    fake_openai.delay = 0.2
    bot.start()
    await settled(database_url)
    assert answers(fake_slack, "1010.000001") == ["echo: too slow to drain"]
    assert fake_openai.calls == 2
