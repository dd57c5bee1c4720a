"""The database goes away during a delivery and comes back: Slack is told to retry (no ack),
and the redelivery is stored and answered by the same process, with no restart."""

from __future__ import annotations

import asyncio

import pytest

from tests.durability.conftest import answers, deliver, mention, settled, wait_for
from tests.support.slack_requests import event_callback

pytestmark = pytest.mark.slow

SLACK_TIMEOUT = 3.0  # Slack treats no answer within 3 s as a failed delivery, like a 5xx


async def slack_delivers(bot, envelope, **kwargs) -> int | None:
    """What Slack sees: the status, or None when there was no answer within its timeout."""
    try:
        return await deliver(bot, None, envelope=envelope, timeout=SLACK_TIMEOUT, **kwargs)
    except asyncio.TimeoutError:
        return None


async def test_delivery_during_outage_is_not_acked_and_the_redelivery_is_answered_without_restart(
        bots, fake_slack, private_pg):
    url = private_pg.url
    bot = bots.start(url)
    pid = bot.proc.pid
    assert await deliver(bot, mention("before the outage", "600.000001")) == 200
    await settled(url)

    private_pg.stop()
    envelope = event_callback(mention("during the outage", "600.000002"))
    status = await slack_delivers(bot, envelope)
    assert status is None or not 200 <= status < 300, f"acked ({status}) a delivery it could not store"

    private_pg.start()
    await wait_for(lambda: bot.healthz() == 200, 30, "the bot sees the database again")
    assert await slack_delivers(bot, envelope, retry_num=1, retry_reason="http_error") == 200
    await settled(url)
    assert answers(fake_slack, "600.000002") == ["echo: during the outage"]
    assert bot.running and bot.proc.pid == pid
