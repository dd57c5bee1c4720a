"""Fault tests: a bot in this test's event loop (tests/slack's ``running_bot``) or as
subprocesses (tests/durability's ``bots``), wired to the fake Slack and fake OpenAI.

Retries are made fast through settings, never by patching code: two model
attempts 50 ms apart in the agent node, leases of 3 s.
"""

from __future__ import annotations

import time
from contextlib import asynccontextmanager

from tests.durability.conftest import bots  # noqa: F401  (fixture, reused as is)
from tests.durability.conftest import wait_for
from tests.slack.conftest import SECRET as INPROC_SECRET
from tests.slack.conftest import running_bot
from tests.support.slack_requests import apost_event, event_callback

FAST = {"supportbot_model_retry_attempts": 2, "supportbot_model_retry_seconds": 0.05,
        "supportbot_max_attempts": 3, "lease": 3}
FAST_ENV = {"SUPPORTBOT_MODEL_RETRY_ATTEMPTS": "2", "SUPPORTBOT_MODEL_RETRY_SECONDS": "0.05",
            "SUPPORTBOT_MAX_ATTEMPTS": "3"}


@asynccontextmanager
async def fast_bot(database_url, fake_slack, fake_openai, **overrides):
    async with running_bot(database_url, fake_slack, fake_openai, **{**FAST, **overrides}) as bot:
        yield bot


async def send(bot, event: dict, **kwargs) -> int:
    """Deliver one event to an in-process bot the way Slack does (signed)."""
    status, _ = await apost_event(bot.events_url, INPROC_SECRET, event_callback(event), **kwargs)
    return status


class TimedCalls(list):
    """Drop-in for ``FakeSlack.calls``: remembers when each call arrived (monotonic)."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.at: list[float] = [0.0] * len(self)

    def append(self, call) -> None:
        self.at.append(time.monotonic())
        super().append(call)

    def times_of(self, method: str) -> list[float]:
        return [t for c, t in zip(list(self), list(self.at)) if c.method == method]


def time_calls(fake_slack) -> TimedCalls:
    with fake_slack._lock:
        fake_slack.calls = TimedCalls(fake_slack.calls)
    return fake_slack.calls


__all__ = ["bots", "wait_for", "fast_bot", "send", "time_calls", "FAST", "FAST_ENV"]
