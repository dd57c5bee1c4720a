"""When retries run out: one plain sentence in the thread, the item kept as failed with
its error, and the thread resumes from its last checkpoint — by `supportbot retry ITEM`
(a CLI process on the same database while the bot runs) or by the user's next message."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from bot import messages as say
from tests.durability.botproc import SUPPORTBOT, query
from tests.durability.conftest import mention, new_user_texts, posts_in, reply
from tests.faults.conftest import fast_bot, send, wait_for

pytestmark = pytest.mark.postgres

QUESTION = "where is order 1002?"


async def supportbot(database_url: str, workdir: Path, *args: str) -> tuple[int, str]:
    """Run the console script as its own process (without blocking the bot on this loop)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SUPPORTBOT_", "OPENAI_"))}
    env["DATABASE_URL"] = database_url
    proc = await asyncio.create_subprocess_exec(SUPPORTBOT, *args, cwd=workdir, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode, out.decode()


def inbox(database_url: str) -> list[tuple]:
    return query(database_url, "SELECT item_id, status, error FROM inbox ORDER BY item_id")


def texts(fake_slack, thread_ts: str) -> list[str]:
    return [p.params["text"] for p in posts_in(fake_slack, thread_ts)]


async def fail_for_good(pg_url, fake_slack, fake_openai, bot, ts: str) -> int:
    """Deliver a message whose every model attempt fails; return its item id once failed."""
    fake_openai.fail_next(2 * 2, 503)  # 2 attempts in the node x SUPPORTBOT_MAX_ATTEMPTS=2 runs
    assert await send(bot, mention(QUESTION, ts)) == 200
    await wait_for(lambda: [r for r in inbox(pg_url) if r[1] == "failed"], 30, "the item is marked failed")
    await wait_for(lambda: texts(fake_slack, ts), 10, "the user is told")
    (item_id, status, error), = [r for r in inbox(pg_url) if r[1] == "failed"]
    assert "Error code: 503" in error  # kept for the operator (OpenAIAPIError: ...)
    assert texts(fake_slack, ts) == [say.RUN_FAILED_FINAL]  # one plain sentence, no exception text
    assert fake_openai.calls == 4
    return item_id


@pytest.mark.slow  # two CLI processes
async def test_when_retries_run_out_the_user_gets_one_sentence_and_supportbot_retry_answers(
        pg_url, fake_slack, fake_openai, tmp_path):
    async with fast_bot(pg_url, fake_slack, fake_openai, supportbot_max_attempts=2) as bot:
        item_id = await fail_for_good(pg_url, fake_slack, fake_openai, bot, "100.000001")

        code, out = await supportbot(pg_url, tmp_path, "threads", "--status", "error", "--json")
        assert code == 0, out
        listed = json.loads(out[out.index("["):])
        assert [t["thread_id"] for t in listed] == ["slack:T1:C1:100.000001"]

        code, out = await supportbot(pg_url, tmp_path, "retry", str(item_id))
        assert code == 0, out
        await wait_for(lambda: len(texts(fake_slack, "100.000001")) == 2, 15, "the answer after the retry")
        await bot.idle()

    assert texts(fake_slack, "100.000001") == [say.RUN_FAILED_FINAL, f"echo: {QUESTION}"]
    assert inbox(pg_url) == [(item_id, "done", None)]
    # Resumed from the checkpoint: the message entered the thread's state once.
    assert fake_openai.calls == 5
    assert all(new_user_texts(r) == [QUESTION] for r in fake_openai.requests)


async def test_after_a_final_failure_the_users_next_message_resumes_the_thread(pg_url, fake_slack, fake_openai):
    async with fast_bot(pg_url, fake_slack, fake_openai, supportbot_max_attempts=2) as bot:
        first = await fail_for_good(pg_url, fake_slack, fake_openai, bot, "200.000001")

        assert await send(bot, reply("any news?", "200.000002", "200.000001")) == 200
        await wait_for(lambda: len(texts(fake_slack, "200.000001")) == 3, 15, "both answers")
        await bot.idle()

    # The stalled turn is finished first (the user sees its answer), then the new message is answered.
    assert texts(fake_slack, "200.000001") == [say.RUN_FAILED_FINAL, f"echo: {QUESTION}", "echo: any news?"]
    assert [new_user_texts(r) for r in fake_openai.requests[4:]] == [[QUESTION], ["any news?"]]
    statuses = {item: status for item, status, _ in inbox(pg_url)}
    assert statuses[first] == "failed"  # the operator still sees what failed; the thread went on
    assert [s for item, s in statuses.items() if item != first] == ["done"]
