"""PostgreSQL restarted while messages flow (bot as a subprocess): /healthz and /readyz
say 503 meanwhile and 200 after, the process is never restarted, and every message
Slack delivered is answered exactly once."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request

import pytest

from tests.durability.botproc import SECRET, item_statuses
from tests.durability.conftest import mention, posts_in, settled
from tests.faults.conftest import FAST_ENV, wait_for
from tests.support.slack_requests import apost_event, event_callback

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

THREADS = 30
SLACK_TIMEOUT = 3.0  # Slack gives up on a delivery after 3 s and sends it again


def status_of(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


class Slack:
    """Delivers each event until the bot acks it with a 200, redelivering like Slack does."""

    def __init__(self, bot) -> None:
        self.bot = bot
        self.unacked = 0  # deliveries answered with an error or not in time

    async def deliver(self, event: dict) -> None:
        envelope = event_callback(event)
        for attempt in range(60):
            try:
                status, _ = await apost_event(self.bot.events_url, SECRET, envelope, timeout=SLACK_TIMEOUT,
                                              **({"retry_num": attempt, "retry_reason": "http_error"} if attempt else {}))
            except (asyncio.TimeoutError, OSError):
                status = None
            if status == 200:
                return
            self.unacked += 1
            await asyncio.sleep(0.2)
        raise AssertionError(f"never acked: {event['text']}")


def ts(i: int) -> str:
    return f"400.{i:06d}"


async def test_postgres_restart_under_load_loses_and_doubles_nothing_and_the_bot_recovers(
        bots, fake_slack, fake_openai, private_pg):
    fake_openai.delay = 0.1  # runs are in flight when the database goes
    bot = bots.start(private_pg.url, **FAST_ENV)
    pid = bot.proc.pid
    slack = Slack(bot)
    health, ready = f"{bot.url}/healthz", f"{bot.url}/readyz"

    async def traffic(threads: range) -> None:
        sending = []
        for i in threads:
            sending.append(asyncio.create_task(slack.deliver(mention(f"question {i}", ts(i)))))
            await asyncio.sleep(0.05)
        await asyncio.gather(*sending)

    before = asyncio.create_task(traffic(range(0, THREADS // 3)))
    await wait_for(lambda: len(fake_slack.calls_to("chat.postMessage")) >= 3, 30, "answers are flowing")

    private_pg.stop()
    during = asyncio.create_task(traffic(range(THREADS // 3, 2 * THREADS // 3)))
    await wait_for(lambda: status_of(health) == 503, 15, "/healthz reports the database down")
    assert status_of(ready) == 503
    await wait_for(lambda: slack.unacked >= 1, 15, "a delivery was refused during the outage")
    private_pg.start()
    after = asyncio.create_task(traffic(range(2 * THREADS // 3, THREADS)))

    await wait_for(lambda: status_of(health) == 200, 30, "/healthz recovers")
    assert status_of(ready) == 200
    await asyncio.wait_for(asyncio.gather(before, during, after), 60)
    await settled(private_pg.url, timeout=60)

    assert bot.running and bot.proc.pid == pid, "the bot was not restarted"
    for i in range(THREADS):
        assert [p.params["text"] for p in posts_in(fake_slack, ts(i))] == [f"echo: question {i}"], i
    assert {status for _, _, status, _, _ in item_statuses(private_pg.url)} == {"done"}
    assert len(item_statuses(private_pg.url)) == THREADS
