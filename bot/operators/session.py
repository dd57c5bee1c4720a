"""What an operator command opens: the storage and the agent graph, as the bot builds them."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator, NamedTuple

from bot.config import Settings
from bot.agent import agent_graph
from graph.demo_model import DemoChatModel
from graph.storage import Storage, open_storage


class Session(NamedTuple):
    storage: Storage
    graph: object


@asynccontextmanager
async def open_session(settings: Settings) -> AsyncIterator[Session]:
    """The graph's shape is the bot's; its model is never called (reading and forking only)."""
    async with open_storage(settings.database_url, pool_size=2, keys=settings.encryption_keys) as storage:
        yield Session(storage, agent_graph(settings, storage, DemoChatModel()))


def slack_out(settings: Settings, db):
    """A ``SlackOut`` for telling a thread what an operator did, or None without SLACK_BOT_TOKEN."""
    if not settings.slack_bot_token:
        return None
    from bot.slack.bolt_app import slack_client
    from bot.slack.outbox import SlackOut

    return SlackOut(slack_client(settings), db)
