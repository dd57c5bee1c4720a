"""Deliveries being stored right now, so that the claimer can let them finish first.

An ack's time is mostly its turns of the event loop, not the database: while its write
is on the wire, every ready callback runs, and a run starting (claim, take, checkpoint
read, the model request) is several milliseconds of them. Under a burst the acks of the
burst then wait behind the runs their own deliveries started (issue 15). The claimer
waits for the acks in flight to end, a short bounded time, so a steady stream of
deliveries cannot hold the runs back.
"""

from __future__ import annotations

import asyncio
from contextlib import contextmanager
from typing import Iterator

CLAIM_YIELD_SECONDS = 0.1  # the most a claim waits for acks in flight


class AcksInFlight:
    def __init__(self) -> None:
        self.count = 0
        self._none = asyncio.Event()
        self._none.set()

    @contextmanager
    def storing(self) -> Iterator[None]:
        self.count += 1
        self._none.clear()
        try:
            yield
        finally:
            self.count -= 1
            if not self.count:
                self._none.set()

    async def settled(self, at_most: float = CLAIM_YIELD_SECONDS) -> None:
        """Return when no ack is in flight, or after ``at_most`` seconds."""
        if self.count:
            try:
                await asyncio.wait_for(self._none.wait(), at_most)
            except asyncio.TimeoutError:
                pass
