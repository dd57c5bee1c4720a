"""Told within seconds: a turn with no answer by SUPPORTBOT_DELAY_NOTICE_SECONDS gets one
sentence in its thread, and a turn still unanswered by SUPPORTBOT_TURN_DEADLINE_SECONDS
fails with the final sentence, which takes the notice's place."""

from __future__ import annotations

import asyncio
import time

from bot import messages as say
from tests.durability.botproc import query
from tests.durability.conftest import posts_in
from tests.faults.conftest import fast_bot, send, time_calls, wait_for
from tests.durability.conftest import mention
from tests.support.fixtures import database_fixture

database_url = database_fixture("sqlite", "postgres")

NOTICE = 1.0


def texts(fake_slack, thread_ts: str) -> list[str]:
    return [p.params["text"] for p in posts_in(fake_slack, thread_ts)]


async def test_a_long_model_outage_is_announced_within_the_notice_time_and_answered_once_back(
        database_url, fake_slack, fake_openai):
    # Three attempts in the first run (each retry waits 50-100 ms and up to 1 s of LangGraph's
    # jitter), the worker's back-off (~2 s), and the second run's first attempt outlast the outage.
    calls = time_calls(fake_slack)
    fake_openai.fail_next(4, 503)
    async with fast_bot(database_url, fake_slack, fake_openai, supportbot_model_retry_attempts=3,
                        supportbot_max_attempts=5, supportbot_delay_notice_seconds=NOTICE) as bot:
        sent = time.monotonic()
        assert await send(bot, mention("is the shop open?", "400.000001")) == 200
        await wait_for(lambda: len(texts(fake_slack, "400.000001")) >= 2, 20, "the notice, then the answer")
        await bot.idle()

    assert texts(fake_slack, "400.000001") == [say.DELAY_MODEL, "echo: is the shop open?"]
    noticed = calls.times_of("chat.postMessage")[0] - sent
    assert noticed <= NOTICE + 0.75, f"the notice came {noticed:.2f}s after the message"
    assert fake_openai.calls == 5
    assert query(database_url, "SELECT status FROM inbox") == [("done",)]


async def test_a_model_slower_than_its_timeout_is_announced_and_the_turn_fails_by_its_deadline(
        database_url, fake_slack, fake_openai):
    # Each chunk comes within the HTTP read timeout, the whole reply never within the call's.
    # A run of two such calls takes ~1.1 s; the deadline falls in or after the second run.
    fake_openai.trickle = 0.4
    calls = time_calls(fake_slack)
    deadline = 4.5
    async with fast_bot(database_url, fake_slack, fake_openai, supportbot_model_timeout=0.5,
                        supportbot_delay_notice_seconds=NOTICE, supportbot_turn_deadline_seconds=deadline) as bot:
        sent = time.monotonic()
        assert await send(bot, mention("hello there", "410.000001")) == 200
        await wait_for(lambda: fake_slack.calls_to("chat.update"), deadline + 5, "the final sentence")
        await bot.idle()

    (notice,) = posts_in(fake_slack, "410.000001")  # one message: the notice, rewritten
    assert notice.params["text"] == say.DELAY_MODEL
    assert calls.times_of("chat.postMessage")[0] - sent <= NOTICE + 0.75
    (final,) = fake_slack.calls_to("chat.update")
    assert final.params["ts"] == fake_slack.messages("C1", "410.000001")[-1]["ts"]
    assert fake_slack.messages("C1", "410.000001")[-1]["text"] == say.RUN_FAILED_FINAL
    ended = calls.times_of("chat.update")[0] - sent
    assert ended <= deadline + 0.75, f"the turn ended {ended:.2f}s after the message"
    assert 2 <= fake_openai.calls <= 4, "each call was cut at its timeout and retried"
    assert query(database_url, "SELECT status FROM inbox") == [("failed",)]


async def test_a_backlog_older_than_the_deadline_is_answered_when_the_workers_come_back(
        database_url, fake_slack, fake_openai):
    # The bot was down (here: a web process with no workers) for longer than the deadline:
    # a message never tried gets its run, with the notice first since it is late.
    deadline = 1.5
    async with fast_bot(database_url, fake_slack, fake_openai, workers=0) as web:
        assert await send(web, mention("still there?", "420.000001")) == 200
    await asyncio.sleep(deadline + 0.5)
    async with fast_bot(database_url, fake_slack, fake_openai, supportbot_delay_notice_seconds=NOTICE,
                        supportbot_turn_deadline_seconds=deadline) as bot:
        await wait_for(lambda: "echo: still there?" in texts(fake_slack, "420.000001"), 10, "the answer")
        await bot.idle()
    assert texts(fake_slack, "420.000001")[-1] == "echo: still there?"
    assert say.RUN_FAILED_FINAL not in texts(fake_slack, "420.000001")
    assert query(database_url, "SELECT status FROM inbox") == [("done",)]
