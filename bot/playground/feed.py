"""Live updates for open pages: server-sent events, one queue per page."""

from __future__ import annotations

import asyncio
import json

from aiohttp import web

HEARTBEAT_SECONDS = 15.0
QUEUE_LIMIT = 1000  # a page this far behind reloads instead


class Feed:
    def __init__(self) -> None:
        self._pages: set[asyncio.Queue] = set()
        self.closed = asyncio.Event()

    def publish(self, update: dict) -> None:
        for queue in list(self._pages):
            try:
                queue.put_nowait(update)
            except asyncio.QueueFull:
                pass  # that page missed updates; it resynchronises on its next reconnect

    async def stream(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache",
                                               "X-Accel-Buffering": "no"})
        await response.prepare(request)
        queue: asyncio.Queue = asyncio.Queue(QUEUE_LIMIT)
        self._pages.add(queue)
        try:
            await response.write(b"retry: 1000\n\n")
            while not self.closed.is_set():
                try:
                    update = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
                except asyncio.TimeoutError:
                    await response.write(b": still here\n\n")
                    continue
                await response.write(f"data: {json.dumps(update)}\n\n".encode())
        except ConnectionResetError:  # the page went away
            pass
        finally:
            self._pages.discard(queue)
        return response

    def close(self) -> None:
        self.closed.set()
        self.publish({"kind": "bye"})
