"""A message whose runs never complete (the process dies on it) is not retried forever."""

from __future__ import annotations

import json
import time

from tests.support.queries import add_test_queries
from tests.slack.conftest import running_bot


async def test_an_item_taken_too_often_is_failed_with_one_sentence(tmp_path, fake_slack, fake_openai):
    url = f"sqlite:///{tmp_path}/bot.db"
    async with running_bot(url, fake_slack, fake_openai, workers=0) as bot:
        db = bot.service.agent.storage.db
        add_test_queries(db)
        await db.execute("conversation_join", {"thread_id": "slack:T1:C1:800.000001", "team_id": "T1",
                                               "channel_id": "C1", "thread_ts": "800.000001", "user_id": "U1",
                                               "now": time.time()})
        payload = {"text": "boom", "user": "U1", "ts": "800.000001", "channel": "C1", "team": "T1", "is_dm": False}
        item_id = await bot.service.inbox.enqueue("T1:C1:800.000001", "slack:T1:C1:800.000001", "message", payload)
        # As if ten earlier processes had died while running it.
        await db.conn.execute("UPDATE inbox SET attempts = 10 WHERE item_id = ?", (item_id,))
    async with running_bot(url, fake_slack, fake_openai, workers=1) as bot:
        await bot.idle()
        row = await bot.service.inbox.get(item_id)
        assert row["status"] == "failed" and "repeated attempts" in row["error"]
        posts = fake_slack.calls_to("chat.postMessage")
        assert len(posts) == 1 and "problem on my side" in posts[0].params["text"]
        assert fake_openai.requests == []
    assert json.loads(row["payload"])["text"] == "boom"  # kept, for `supportbot retry`
