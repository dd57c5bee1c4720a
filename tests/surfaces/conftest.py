"""Slack surfaces: the real bot (Bolt, inbox, workers, graph on the offline demo
model) against the fake Slack, on a SQLite file and on PostgreSQL."""

from __future__ import annotations

import pytest

from tests.slack.conftest import SECRET, running_bot
from tests.support.fixtures import database_fixture
from tests.support.slack_requests import apost_event, apost_form, event_callback

APPROVER, OPERATOR, CUSTOMER, OUTSIDER = "UAPP", "UOPS", "U1", "UOUT"

__all__ = ["SECRET", "running_bot"]


database_url = database_fixture("sqlite", "postgres")


@pytest.fixture
async def bot(database_url, fake_slack):
    """UAPP approves; UOPS operates; U1 is a customer; UOUT is nobody in particular."""
    async with running_bot(database_url, fake_slack, None, supportbot_approvers=[APPROVER],
                           supportbot_operators=[OPERATOR]) as running:
        yield running


async def send(bot, event: dict) -> None:
    status, body = await apost_event(bot.events_url, SECRET, event_callback(event))
    assert status == 200, body


async def interact(bot, body: str) -> tuple[int, str]:
    return await apost_form(bot.events_url, SECRET, body)


def method_index(fake_slack, method: str, predicate=lambda params: True) -> list[int]:
    """Positions in the fake's call log of the calls to ``method`` that match."""
    return [n for n, c in enumerate(fake_slack.calls) if c.method == method and predicate(c.params)]
