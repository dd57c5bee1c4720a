"""Which failures are worth retrying, and how: LangGraph RetryPolicy per node."""

from __future__ import annotations

import asyncio
import sys

import httpx
from langgraph.types import RetryPolicy


def _transient_openai() -> tuple[type[BaseException], ...]:
    # Looked up, not imported: an openai exception can only exist once something imported
    # openai, and importing it here would cost every `supportbot` command half a second.
    openai = sys.modules.get("openai")
    if openai is None:
        return ()
    return (openai.APITimeoutError, openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError)


def is_transient(exc: BaseException) -> bool:
    """Timeouts, 429, 5xx and dropped connections: the same call may well succeed later."""
    if isinstance(exc, _transient_openai() + (asyncio.TimeoutError, ConnectionError, httpx.TransportError)):
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
