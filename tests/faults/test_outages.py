"""Outages of what the bot depends on: the model endpoint, Slack's Web API, PostgreSQL.
Each time the bot waits, answers by itself, and posts every answer exactly once."""

from __future__ import annotations

import pytest

from bot import messages as say
from tests.durability.botproc import query
from tests.durability.conftest import mention, posts_in
from tests.faults.conftest import fast_bot, send, time_calls, wait_for

pytestmark = pytest.mark.postgres


def texts(fake_slack, thread_ts: str) -> list[str]:
    return [p.params["text"] for p in posts_in(fake_slack, thread_ts)]


def inbox(database_url: str) -> list[tuple]:
    return query(database_url, "SELECT status, attempts FROM inbox ORDER BY item_id")


async def test_a_model_outage_is_waited_out_and_the_message_answered_by_itself(pg_url, fake_slack, fake_openai):
    # 6 attempts in the node (50 ms doubling: ~1.5 s), then the worker backs off (~2 s) and runs
    # the thread again: 9 failures outlast the first run and end during the second.
    fake_openai.fail_next(9, 503)
    async with fast_bot(pg_url, fake_slack, fake_openai, supportbot_model_retry_attempts=6,
                        supportbot_max_attempts=5) as bot:
        assert await send(bot, mention("is the shop open?", "300.000001")) == 200
        await wait_for(lambda: texts(fake_slack, "300.000001"), 30, "the answer")
        await bot.idle()

    assert texts(fake_slack, "300.000001") == ["echo: is the shop open?"]  # no apology: it was waited out
    assert fake_openai.calls == 10
    assert inbox(pg_url) == [("done", 2)]  # one failed run (retried later), one that answered


async def test_slack_rate_limit_on_post_honours_retry_after_and_posts_once(pg_url, fake_slack, fake_openai):
    calls = time_calls(fake_slack)
    fake_slack.rate_limit_next("chat.postMessage", 1, retry_after=1)
    async with fast_bot(pg_url, fake_slack, fake_openai) as bot:
        assert await send(bot, mention("hello", "310.000001")) == 200
        await wait_for(lambda: texts(fake_slack, "310.000001"), 15, "the answer")
        await bot.idle()

    assert [c.status for c in fake_slack.calls_to("chat.postMessage")] == [429, 200]
    limited, retried = calls.times_of("chat.postMessage")
    assert retried - limited >= 1.0, f"retried {retried - limited:.2f}s after a Retry-After of 1s"
    assert texts(fake_slack, "310.000001") == ["echo: hello"]
    assert fake_openai.calls == 1
    assert inbox(pg_url) == [("done", 1)]  # slack_sdk absorbed it; the run never failed


@pytest.mark.parametrize("status, error", [(500, "internal_error"), (200, "fatal_error")])
async def test_slack_failing_posts_beyond_its_retries_delivers_the_reply_later_without_rerunning_the_graph(
        pg_url, fake_slack, fake_openai, status, error):
    # slack_sdk retries an HTTP 500 twice by itself (3 calls); an ok=false at HTTP 200 not at all.
    failures = 4 if status == 500 else 1
    fake_slack.fail_next("chat.postMessage", failures, error=error, status=status)
    async with fast_bot(pg_url, fake_slack, fake_openai) as bot:
        assert await send(bot, mention("refund status?", "320.000001")) == 200
        await wait_for(lambda: texts(fake_slack, "320.000001"), 20, "the reply, delivered later")
        await bot.idle()

    assert texts(fake_slack, "320.000001") == ["echo: refund status?"]
    assert say.RUN_FAILED_FINAL not in texts(fake_slack, "320.000001")
    assert fake_openai.calls == 1, "the answer came from the checkpoint, not a second model call"
    assert inbox(pg_url) == [("done", 2)]
    (outbox,) = query(pg_url, "SELECT status, attempts FROM outbox WHERE kind = 'reply'")
    assert outbox == ("posted", 2)
