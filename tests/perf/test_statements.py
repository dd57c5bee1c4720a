"""SQL statements of one turn on PostgreSQL (issue 15), through the real path: a signed
delivery into the running app, the worker's run against the fake OpenAI, the answer in
the fake Slack. Counted at psycopg's send calls; what depends on timing (the pool's check
of a connection that sat idle, claims woken by the poll or by NOTIFY, lease renewals) is
counted apart, the rest is the same on every run."""

from __future__ import annotations

import pytest

from tests.durability.conftest import wait_for
from tests.slack.conftest import SECRET, running_bot
from tests.support import statements
from tests.support.slack_requests import apost_event, event_callback, message_event

pytestmark = pytest.mark.postgres

# Not the turn's own: the test's wait (inbox_depth), and what depends on timing.
APART = ("ours: inbox_depth", "pool connection check (empty query)", "ours: claim_threads", "ours: lease_renew")


async def turn(bot, text: str, ts: str, thread_ts: str | None, answers: int) -> None:
    status, _ = await apost_event(bot.events_url, SECRET, event_callback(
        message_event("C1", "U1", text, ts, thread_ts=thread_ts)))
    assert status == 200
    await bot.slack.await_calls("chat.postMessage", answers, timeout=30)
    await bot.idle()
    await wait_for(lambda: not bot.service.pool._runs, 10, "the run let go of the thread")


async def test_a_follow_up_turn_costs_few_statements_and_no_transaction_around_single_ones(
        pg_url, fake_slack, fake_openai):
    async with running_bot(pg_url, fake_slack, fake_openai, lease=120) as bot:
        await turn(bot, "<@UBOT> where is order 1001?", "100.000001", None, 1)
        with statements.counting() as sent:
            await turn(bot, "and when does it arrive?", "100.000002", "100.000001", 2)
    kinds = statements.by_kind(sent)
    steady = {k: n for k, n in kinds.items() if k not in APART}
    # The ack: one statement (conversation check and insert together, NOTIFY included), the
    # one a burst shares (bot/queue/ack_batch.py).
    assert kinds["ours: inbox_accept_batch"] == 1 and "ours: conversation_get" not in kinds, kinds
    # The run takes its items, then marks them done and lets go of the thread in one statement.
    assert kinds["ours: inbox_take"] == 1 and kinds["ours: inbox_finish_take"] == 1, kinds
    assert "ours: inbox_finish" not in kinds and "ours: lease_release" not in kinds, kinds
    # A plain turn has no multi-statement transaction, so no BEGIN/COMMIT at all.
    assert "BEGIN / COMMIT" not in steady, kinds
    # Checkpoints: the turn reads the thread once, the graph once; the rest of what it needs
    # comes from the run's own stream.
    assert kinds["checkpoint read"] == 2, kinds
    # The answer's bookkeeping: recorded (with its attempt) before the post, marked posted after.
    assert kinds["ours: outbox_begin"] == 1 and kinds["ours: outbox_posted"] == 1, kinds
    # 19 in all here (the naive bot: its graph's own 12, no inbox, no outbox).
    assert sum(steady.values()) <= 19, kinds
