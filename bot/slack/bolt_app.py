"""The Bolt app and the typed dependencies its listeners are built with."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Callable

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot import listeners
from bot.agent import Agent
from bot.approvals.decisions import Approvals
from bot.config import Settings
from bot.queue.inbox import Inbox
from bot.slack.outbox import SlackOut

log = logging.getLogger(__name__)


SLACK_TIMEOUT = 30  # seconds for one Web API call


def slack_session() -> aiohttp.ClientSession:
    """One HTTP session for every Web API call of a process: without it slack_sdk opens
    (and closes) a new session, so a new connection, for each call. Close it at shutdown."""
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=SLACK_TIMEOUT))


def slack_client(settings: Settings, session: aiohttp.ClientSession | None = None) -> AsyncWebClient:
    """Web API client that honours Retry-After on 429 (slack_sdk's own handlers)."""
    return AsyncWebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=SLACK_TIMEOUT,
        session=session,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=5),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )


@dataclass(frozen=True)
class Deps:
    """What the listeners are given at registration (``bot/listeners/*/register``)."""
    settings: Settings
    agent: Agent
    inbox: Inbox
    client: AsyncWebClient
    outbox: SlackOut
    approvals: Approvals
    wake: Callable[[], None]  # the in-process workers look at the inbox now


def quiet_bolt_logger() -> logging.Logger:
    """The base of every logger Bolt makes for this app: Bolt logs request bodies at INFO
    (a refused signature, an unhandled request), and bodies carry message text."""
    logger = logging.getLogger("slack_bolt.supportbot")
    logger.setLevel(max(logging.WARNING, logging.getLogger().getEffectiveLevel()))
    return logger


def build_app(deps: Deps) -> AsyncApp:
    settings = deps.settings
    app = AsyncApp(
        # Named, Bolt calls inspect.stack() for the caller's file name, reading the source of
        # every frame on the stack: a tenth of a second or more of each start-up.
        name="supportbot",
        client=deps.client,
        # Verification stays on in every mode (Bolt skips it for Socket Mode deliveries only):
        # without a signing secret, an unguessable one refuses any HTTP request that gets this far.
        signing_secret=settings.slack_signing_secret or secrets.token_hex(32),
        # The listener's inbox write must finish before Slack gets its 200:
        # a failed write answers 500 and Slack delivers again.
        process_before_response=True,
        logger=quiet_bolt_logger(),
    )
    listeners.register(app, deps)
    return app
