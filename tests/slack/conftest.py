"""A running bot (in this test's event loop) wired to the fake Slack and fake OpenAI."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

import pytest
from aiohttp import web

from bot.config import load_settings
from bot.slack.web import build_web_app
from bot.wiring import Service
from tests.support.fixtures import database_fixture
from tests.support.postgres import free_port
from tests.support.queries import add_test_queries

SECRET = "test-signing-secret"
STAFF_AGENT = "U1"


database_url = database_fixture("sqlite", "postgres")


class RunningBot:
    def __init__(self, service: Service, url: str, slack, openai) -> None:
        self.service, self.url, self.slack, self.openai = service, url, slack, openai

    @property
    def events_url(self) -> str:
        return f"{self.url}/slack/events"

    async def idle(self, timeout: float = 15) -> None:
        """Wait until the bot has nothing left to do: no open inbox item and no run in
        progress. A negative assertion ("nothing else was posted") holds from then on,
        since a signed request returns only after its listener finished."""
        deadline = asyncio.get_running_loop().time() + timeout
        pool = self.service.pool
        while asyncio.get_running_loop().time() < deadline:
            depth, _ = await self.service.inbox.depth()
            runs = pool.active_runs if pool is not None else 0
            if depth == 0 and runs == 0:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"inbox still has {depth} open items and {runs} runs after {timeout}s")


@asynccontextmanager
async def running_bot(database_url, fake_slack, fake_openai=None, workers=4, **overrides):
    settings = load_settings(**{
        "slack_bot_token": "xoxb-test", "slack_signing_secret": SECRET, "slack_api_url": fake_slack.api_url,
        "database_url": database_url, "openai_api_key": "sk-test" if fake_openai else None,
        "openai_base_url": fake_openai.base_url if fake_openai else None, "supportbot_model": "gpt-test",
        "supportbot_lease_seconds": overrides.pop("lease", 10), "supportbot_drain_seconds": 5,
        # No delay notice in threads whose posts a test counts, unless it asks for one.
        "supportbot_delay_notice_seconds": 600,
        # U1, who asks in most scenarios, is a support agent acting for customers (any order);
        # customers with their own orders are UADA, UALAN, UGRACE... (tests/fakes/slack_directory.py).
        "supportbot_staff": [STAFF_AGENT], **overrides})
    async with Service(settings, workers=workers) as service:
        add_test_queries(service.agent.storage.db)
        runner = web.AppRunner(build_web_app(service.bolt, service), access_log=None)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            yield RunningBot(service, f"http://127.0.0.1:{port}", fake_slack, fake_openai)
        finally:
            await runner.cleanup()


@pytest.fixture
async def bot(database_url, fake_slack, fake_openai):
    async with running_bot(database_url, fake_slack, fake_openai) as running:
        yield running
