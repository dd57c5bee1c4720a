"""Which failures of a run are passing (retry later) and which are final (tell the user)."""

from __future__ import annotations

import random

import aiohttp
import psycopg
from slack_sdk.errors import SlackApiError

from graph.retry import is_transient as model_or_network_transient

MAX_DELAY = 300.0


def is_transient(exc: BaseException) -> bool:
    if model_or_network_transient(exc):
        return True
    if isinstance(exc, (aiohttp.ClientError, psycopg.OperationalError, OSError)):
        return True
    if isinstance(exc, SlackApiError):
        error = (exc.response or {}).get("error") if exc.response is not None else None
        return error in ("ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout") \
            or getattr(exc.response, "status_code", 200) >= 500
    return False


def retry_delay(attempts: int) -> float:
    """Exponential backoff with jitter: ~2 s, 4 s, 8 s … capped at five minutes."""
    base = min(2.0 ** max(attempts, 1), MAX_DELAY)
    return base * random.uniform(0.75, 1.25)
