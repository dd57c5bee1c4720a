"""What an operator sees of a running bot (a subprocess): Prometheus metrics on GET /metrics,
and JSON log lines carrying thread_id / item_id that never contain message text at INFO."""

from __future__ import annotations

import json
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.durability.botproc import query
from tests.durability.conftest import deliver, mention, posts_in, settled
from tests.faults.conftest import FAST_ENV, wait_for
from tests.fakes.openai_server import Reply

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

CANARY = "canary-b7e1 my card is 4111 1111 1111 1111"


def scrape(bot) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} from the bot's /metrics."""
    with urllib.request.urlopen(f"{bot.url}/metrics", timeout=5) as response:
        assert response.headers["Content-Type"].startswith("text/plain")
        text = response.read().decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples: dict, name: str, **labels) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


async def test_metrics_and_logs_show_what_happened_without_message_text(pg_url, bots, fake_slack, fake_openai):
    bot = bots.start(pg_url, **FAST_ENV, SUPPORTBOT_LOG_LEVEL="INFO", SUPPORTBOT_APPROVERS="UBOSS")

    # 1. A refund request pauses for approval: one pending approval.
    fake_openai.queue(Reply(tool_calls=[{"name": "refund_order", "args": {"order_id": 1002, "reason": CANARY}}]))
    assert await deliver(bot, mention(f"refund 1002 please, {CANARY}", "900.000001")) == 200
    await wait_for(lambda: query(pg_url, "SELECT count(*) FROM approvals WHERE status = 'pending'")[0][0] == 1,
                   20, "the approval is pending")
    await settled(pg_url)  # its card is posted and the run is over

    # 2. A question whose model call fails once (retried in the node) and whose reply Slack
    #    refuses once (the run fails, is retried later, and posts from its checkpoint).
    fake_openai.fail_next(1, 503)
    fake_slack.fail_next("chat.postMessage", 1, error="fatal_error")
    assert await deliver(bot, mention(CANARY, "900.000002")) == 200
    await wait_for(lambda: posts_in(fake_slack, "900.000002"), 20, "the answer")
    await settled(pg_url)

    samples = scrape(bot)
    assert value(samples, "supportbot_deliveries_total", outcome="stored") == 2
    assert value(samples, "supportbot_ack_seconds_count") == 2
    assert value(samples, "supportbot_runs_total", outcome="paused") == 1
    assert value(samples, "supportbot_runs_total", outcome="error") == 1
    assert value(samples, "supportbot_runs_total", outcome="answered") == 1
    assert value(samples, "supportbot_run_seconds_count") >= 2
    assert value(samples, "supportbot_model_seconds_count") >= 3
    assert value(samples, "supportbot_model_calls_total", outcome="error") == 1
    assert value(samples, "supportbot_inbox_depth") == 0
    assert value(samples, "supportbot_inbox_oldest_age_seconds") == 0
    assert value(samples, "supportbot_approvals_pending") == 1
    assert value(samples, "supportbot_checkpoint_bytes_count") >= 4
    assert value(samples, "supportbot_checkpoint_bytes_sum") > 0

    lines = [line for line in bot.log_path.read_text().splitlines()
             if line.strip() and not line.startswith(("---- start", "supportbot serving"))]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"ts", "level", "logger", "event"} <= set(r) for r in records)
    started = [r for r in records if r["event"] == "run started"]
    assert {r["thread_id"] for r in started} == {"slack:T1:C1:900.000001", "slack:T1:C1:900.000002"}
    assert all(isinstance(r["item_id"], int) for r in started)
    assert any(r["event"] == "run failed" and r["thread_id"] == "slack:T1:C1:900.000002" and "item_id" in r
               for r in records), "a failed run is logged with its thread and item"
    assert not [r for r in records if "canary-b7e1" in json.dumps(r)], "message text logged at INFO"
