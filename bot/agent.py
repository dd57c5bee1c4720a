"""Assemble the agent from settings: storage, model, shop, graph — shared by every entry point."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import AsyncIterator

from langchain_core.language_models.chat_models import BaseChatModel

from bot.config import Settings
from bot.metrics import METRICS
from bot.queue.ack_batch import ACK_CONNECTIONS
from bot.queue.fencing import CheckpointSizes, fenced
from graph.agent import build_graph
from graph.model import close_chat_model, is_demo, make_chat_model
from graph.retry import model_retry_policy
from graph.shop import Shop
from graph.summary import make_summarizer
from graph.storage import Storage, open_storage

log = logging.getLogger(__name__)


@dataclass
class Agent:
    settings: Settings
    storage: Storage
    model: BaseChatModel
    graph: object

    @property
    def demo(self) -> bool:
        return is_demo(self.model)


def agent_graph(settings: Settings, storage: Storage, model: BaseChatModel, *, own_checkpointer: bool = True):
    """``own_checkpointer=False``: compiled without one, for a LangGraph server that brings its own."""
    summarizer = make_summarizer(model, settings)
    retry = model_retry_policy(settings.supportbot_model_retry_attempts, settings.supportbot_model_retry_seconds)
    # Fenced: inside a worker run, a checkpoint write checks the thread's lease first.
    saver = fenced(storage.checkpointer, CheckpointSizes(settings.supportbot_checkpoint_warn_bytes,
                                                         observe=METRICS.checkpoint_bytes.observe))
    return build_graph(saver if own_checkpointer else None, model=model, shop=Shop(storage.db), summarizer=summarizer,
                       model_retry=retry, model_timeout=settings.supportbot_model_timeout)


@asynccontextmanager
async def open_agent(settings: Settings, *, model: BaseChatModel | None = None,
                     own_checkpointer: bool = True) -> AsyncIterator[Agent]:
    own_model = model is None
    model = model or make_chat_model(
        settings.openai_api_key,
        settings.openai_base_url,
        settings.supportbot_model,
        timeout=settings.supportbot_model_timeout,
    )
    try:
        async with open_storage(settings.database_url, pool_size=settings.database_pool_size,
                                keys=settings.encryption_keys, ack_connections=ACK_CONNECTIONS) as storage:
            yield Agent(settings, storage, model,
                        agent_graph(settings, storage, model, own_checkpointer=own_checkpointer))
    finally:
        if own_model:
            await close_chat_model(model)
