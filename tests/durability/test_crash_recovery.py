"""A bot process SIGKILLed mid-run: the next process resumes the thread by itself and the
message is answered exactly once."""

from __future__ import annotations

import pytest

from tests.durability.botproc import query
from tests.durability.conftest import answers, deliver, mention, new_user_texts, posts_in, settled, wait_for

pytestmark = pytest.mark.slow


async def test_killed_during_model_call_the_restarted_bot_answers_once(database_url, bots, fake_slack, fake_openai):
    fake_openai.delay = 1.5  # the model call is in flight long enough to kill the bot during it
    bot = bots.start(database_url)
    assert await deliver(bot, mention("where is order 1002?", "500.000001")) == 200
    await wait_for(lambda: fake_openai.calls >= 1, 15, "the model call started")
    bot.kill()
    assert answers(fake_slack, "500.000001") == []

    bot.start()  # same database, nothing re-delivered: the inbox has the message
    await settled(database_url)
    assert answers(fake_slack, "500.000001") == ["echo: where is order 1002?"]
    # The run resumed from its checkpoint: the message went in once, the model was asked again.
    assert fake_openai.calls == 2
    assert all(new_user_texts(r) == ["where is order 1002?"] for r in fake_openai.requests)
    assert query(database_url, "SELECT status FROM inbox") == [("done",)]


async def test_crash_before_the_next_step_checkpoint_was_saved_is_resumed(database_url, bots, fake_slack, fake_openai):
    """LangGraph saves a step's checkpoint while the next step already runs ("async"
    durability): a crash in between leaves, as the latest checkpoint, one whose tasks all
    have their writes saved, so the snapshot's ``next`` is empty though the turn is not over.
    We make that window certain by removing the checkpoint the crash could have missed."""
    fake_openai.delay = 1.5
    bot = bots.start(database_url)
    assert await deliver(bot, mention("what is the status of 1004?", "520.000001")) == 200
    thread = "slack:T1:C1:520.000001"
    writes = "writes" if database_url.startswith("sqlite") else "checkpoint_writes"

    def window_open() -> bool:
        # The step before the running one is saved with its writes (saving is asynchronous:
        # on a loaded machine it can lag behind the model call that has already started).
        latest_two = query(database_url, "SELECT checkpoint_id FROM checkpoints WHERE thread_id = ? "
                                         "ORDER BY checkpoint_id DESC LIMIT 2", (thread,))
        return len(latest_two) == 2 and query(
            database_url, f"SELECT count(*) FROM {writes} WHERE thread_id = ? AND checkpoint_id = ?",
            (thread, latest_two[1][0]))[0][0] > 0

    await wait_for(lambda: fake_openai.calls >= 1, 15, "the model call started")
    await wait_for(window_open, 15, "the step before the model call saved with its writes")
    bot.kill()
    (latest,), = query(database_url, "SELECT max(checkpoint_id) FROM checkpoints WHERE thread_id = ?", (thread,))
    query(database_url, "DELETE FROM checkpoints WHERE thread_id = ? AND checkpoint_id = ?", (thread, latest))
    (now_latest,), = query(database_url, "SELECT max(checkpoint_id) FROM checkpoints WHERE thread_id = ?", (thread,))
    assert query(database_url, f"SELECT count(*) FROM {writes} WHERE thread_id = ? AND checkpoint_id = ?",
                 (thread, now_latest))[0][0] > 0, "the remaining latest checkpoint has saved task writes"

    bot.start()
    await settled(database_url)
    assert answers(fake_slack, "520.000001") == ["echo: what is the status of 1004?"]
    assert [new_user_texts(r) for r in fake_openai.requests] == [["what is the status of 1004?"]] * 2


async def test_crash_after_posting_before_the_outbox_recorded_it_posts_no_second_time(
        database_url, bots, fake_slack, fake_openai, kill_after_post):
    bot = bots.new(database_url)
    bot.start(**kill_after_post)
    assert await deliver(bot, mention("cancel order 1003", "510.000001")) == 200
    await wait_for(lambda: bot.proc.poll() is not None, 15, "the bot killed itself after posting")
    assert bot.proc.returncode == -9
    first = posts_in(fake_slack, "510.000001")
    assert answers(fake_slack, "510.000001") == ["echo: cancel order 1003"]
    assert query(database_url, "SELECT status, slack_ts FROM outbox") == [("pending", None)]

    bot.start()  # without the hook
    await settled(database_url)
    assert posts_in(fake_slack, "510.000001") == first
    assert answers(fake_slack, "510.000001") == ["echo: cancel order 1003"]
    # It found its earlier post by the outbox key in the message metadata, and recorded it.
    assert fake_slack.calls_to("conversations.replies")
    posted_ts = fake_slack.messages("C1", "510.000001")[-1]["ts"]
    assert query(database_url, "SELECT status, slack_ts FROM outbox") == [("posted", posted_ts)]
