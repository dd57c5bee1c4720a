"""Wake-ups across processes: PostgreSQL LISTEN on the channel every inbox insert NOTIFYs.

Without it a worker in another process sees new work only when its poll comes round
(``worker.POLL_SECONDS``). Polling stays as the fallback: when the listening
connection drops it reconnects with a backoff, and behind PgBouncer in transaction
mode, where LISTEN does not work, ``SUPPORTBOT_LISTEN=false`` turns it off.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Callable

import psycopg

log = logging.getLogger(__name__)

CHANNEL = "supportbot_inbox"  # the channel sql/queries.postgres.sql's inserts notify
CHECK_STOP_SECONDS = 5.0
MAX_BACKOFF = 30.0


async def listen_for_work(conninfo: str, wake: Callable[[], None], stopping: asyncio.Event) -> None:
    backoff = 0.5
    while not stopping.is_set():
        try:
            conn = await psycopg.AsyncConnection.connect(conninfo, autocommit=True)
            async with conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                log.info("listening for new work", extra={"channel": CHANNEL})
                backoff = 0.5
                wake()  # whatever arrived while nobody listened
                while not stopping.is_set():
                    async for _ in conn.notifies(timeout=CHECK_STOP_SECONDS):
                        wake()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.info("not listening for new work; polling meanwhile",
                     extra={"error": f"{type(exc).__name__}: {exc}"[:300], "retry_in": backoff})
            try:
                await asyncio.wait_for(stopping.wait(), timeout=backoff)
            except asyncio.TimeoutError:
                pass
            backoff = min(backoff * 2, MAX_BACKOFF)
