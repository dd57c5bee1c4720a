"""Which failures are worth retrying, and how: LangGraph RetryPolicy per node."""

from __future__ import annotations

import asyncio

import httpx
from langgraph.types import RetryPolicy

try:  # the openai package comes with langchain-openai
    import openai

    _TRANSIENT_OPENAI: tuple[type[BaseException], ...] = (
        openai.APITimeoutError,
        openai.APIConnectionError,
        openai.RateLimitError,
        openai.InternalServerError,
    )
except ImportError:  # pragma: no cover
    _TRANSIENT_OPENAI = ()


def is_transient(exc: BaseException) -> bool:
    """Timeouts, 429, 5xx and dropped connections: the same call may well succeed later."""
    if isinstance(exc, _TRANSIENT_OPENAI + (asyncio.TimeoutError, ConnectionError, httpx.TransportError)):
        return True
    status = getattr(exc, "status_code", None)
    return isinstance(status, int) and (status == 429 or status >= 500)


def model_retry_policy(max_attempts: int = 5, initial_interval: float = 1.0) -> RetryPolicy:
    return RetryPolicy(
        initial_interval=initial_interval,
        backoff_factor=2.0,
        max_interval=30.0,
        max_attempts=max_attempts,
        jitter=True,
        retry_on=is_transient,
    )


def tool_retry_policy(max_attempts: int = 3) -> RetryPolicy:
    return RetryPolicy(initial_interval=0.5, max_attempts=max_attempts, jitter=True, retry_on=is_transient)
