"""The chat model: ChatOpenAI when an API key is configured, else the offline demo model."""

from __future__ import annotations

import logging

from langchain_core.language_models.chat_models import BaseChatModel

from graph.demo_model import DEMO_NOTICE, DemoChatModel

log = logging.getLogger(__name__)

DEFAULT_MODEL = "gpt-4o-mini"


def make_chat_model(
    api_key: str | None,
    base_url: str | None = None,
    model: str | None = None,
    timeout: float = 60.0,
) -> BaseChatModel:
    if not api_key:
        log.warning("using the %s", DEMO_NOTICE)
        return DemoChatModel()
    import openai
    from langchain_openai import ChatOpenAI

    # max_retries=0: retries belong to the graph's RetryPolicy, which re-runs
    # only the failed node and keeps every other step's checkpointed work.
    return ChatOpenAI(
        api_key=api_key,
        base_url=base_url or None,
        model=model or DEFAULT_MODEL,
        timeout=timeout,
        max_retries=0,
        stream_usage=True,
        # No wall-clock bound per streamed chunk: it wraps every token in asyncio.wait_for (a task
        # and a timer each, ~6 % of a turn's CPU in bench/perf.py), and a stream that stalls is
        # already bounded by the turn's deadline (SUPPORTBOT_TURN_DEADLINE_SECONDS) and httpx's
        # read timeout.
        stream_chunk_timeout=None,
        # A client of its own, closed with the agent (close_chat_model). langchain-openai's default is
        # one cached client per base URL for the whole process, whose pooled connections stay bound
        # to the event loop that opened them: an agent opened on another loop (tests, the playground
        # restarting its bot) then fails with "Event loop is closed".
        http_async_client=openai.DefaultAsyncHttpxClient(),
    )


async def close_chat_model(model: BaseChatModel) -> None:
    client = getattr(model, "http_async_client", None)
    if client is not None:
        await client.aclose()


def is_demo(model: BaseChatModel) -> bool:
    return isinstance(model, DemoChatModel)
