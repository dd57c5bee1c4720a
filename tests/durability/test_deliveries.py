"""How deliveries become runs: Slack's retries collapse into one, and messages that arrive
while their thread is running are answered together by the next run."""

from __future__ import annotations

import asyncio

import pytest

from tests.durability.botproc import query
from tests.durability.conftest import answers, deliver, mention, new_user_texts, reply, settled, wait_for
from tests.support.slack_requests import event_callback

pytestmark = pytest.mark.slow


async def test_retry_storm_of_one_event_is_one_run_and_one_reply(database_url, bots, fake_slack, fake_openai):
    fake_openai.delay = 0.5  # later retries arrive while the run is in flight
    bot = bots.start(database_url)
    envelope = event_callback(mention("is my refund through?", "800.000001"), event_id="EvStorm1")
    statuses = await asyncio.gather(
        deliver(bot, None, envelope=envelope),
        deliver(bot, None, envelope=envelope, retry_num=1, retry_reason="http_timeout"),
    )
    await wait_for(lambda: fake_openai.calls >= 1, 15, "the run started")
    for retry in (2, 3):
        statuses.append(await deliver(bot, None, envelope=envelope, retry_num=retry, retry_reason="http_timeout"))
    assert statuses == [200, 200, 200, 200]

    await settled(database_url)
    assert fake_openai.calls == 1
    assert answers(fake_slack, "800.000001") == ["echo: is my refund through?"]
    assert query(database_url, "SELECT delivery_key, status FROM inbox") == [("T1:C1:800.000001", "done")]


async def test_messages_arriving_during_a_run_are_answered_together_by_the_next_run(
        database_url, bots, fake_slack, fake_openai):
    fake_openai.delay = 1.5
    bot = bots.start(database_url)
    assert await deliver(bot, mention("first", "900.000001")) == 200
    await wait_for(lambda: fake_openai.calls >= 1, 15, "the first run is at the model")
    assert await deliver(bot, reply("second", "900.000002", "900.000001")) == 200
    assert await deliver(bot, reply("third", "900.000003", "900.000001")) == 200
    assert fake_openai.calls == 1, "the later messages must wait for the thread's running turn"

    await settled(database_url)
    assert [new_user_texts(r) for r in fake_openai.requests] == [["first"], ["second", "third"]]
    assert answers(fake_slack, "900.000001") == ["echo: first", "echo: third"]
