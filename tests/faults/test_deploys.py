"""Deploys: liveness (/healthz) stays 200 while a SIGTERMed bot drains, readiness (/readyz)
turns 503 at once so a load balancer stops sending it traffic; the run in flight finishes."""

from __future__ import annotations

import asyncio
import signal
import urllib.error
import urllib.request

import pytest

from tests.durability.botproc import query
from tests.durability.conftest import deliver, mention, posts_in
from tests.faults.conftest import wait_for

pytestmark = pytest.mark.slow


def status_of(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


async def test_readyz_is_503_while_draining_and_healthz_stays_200(tmp_path, bots, fake_slack, fake_openai):
    fake_openai.delay = 3.0  # a run in flight keeps the drain going
    database = f"sqlite:///{tmp_path}/bot.db"
    bot = bots.start(database, drain=15)
    health, ready = f"{bot.url}/healthz", f"{bot.url}/readyz"
    assert (status_of(health), status_of(ready)) == (200, 200)

    assert await deliver(bot, mention("still there?", "950.000001")) == 200
    await wait_for(lambda: fake_openai.calls >= 1, 15, "the run is at the model")
    bot.proc.send_signal(signal.SIGTERM)

    await wait_for(lambda: status_of(ready) == 503, 5, "/readyz says draining")
    assert status_of(health) == 200, "a draining bot is alive: it must not be restarted"
    # Still accepting (and storing) deliveries while it drains.
    assert await deliver(bot, mention("one more", "950.000002")) == 200

    code = await asyncio.to_thread(bot.proc.wait, 30)
    assert code == 0
    assert [p.params["text"] for p in posts_in(fake_slack, "950.000001")] == ["echo: still there?"]
    # The delivery taken during the drain waits, stored, for the next process.
    assert query(database, "SELECT delivery_key, status FROM inbox ORDER BY item_id") == [
        ("T1:C1:950.000001", "done"), ("T1:C1:950.000002", "pending")]
