"""An aiohttp server on 127.0.0.1 that runs in its own thread and event loop.

A thread of its own means the fake answers while a sync test blocks, while an
async test's loop is busy, and for bot subprocesses, all with the same API.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Callable

from aiohttp import web


class BackgroundServer:
    host = "127.0.0.1"

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    def build_app(self) -> web.Application:  # pragma: no cover - abstract
        raise NotImplementedError

    def start(self):
        if self._thread is not None:
            return self
        # Bind here, not in the thread, so a port clash raises in the caller.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        async def serve() -> None:
            # A short shutdown_timeout: hung handlers (hang_next, delay) must not
            # hold up stop() for aiohttp's default minute.
            self._runner = web.AppRunner(self.build_app(), shutdown_timeout=0.2, access_log=None)
            await self._runner.setup()
            await web.SockSite(self._runner, sock).start()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(serve())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name=type(self).__name__, daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError(f"{type(self).__name__} did not start")
        return self

    def stop(self) -> None:
        if self._thread is None:
            return
        loop, runner = self._loop, self._runner

        async def shutdown() -> None:
            await runner.cleanup()
            # Handlers still sleeping (hang_next) outlive cleanup; cancel them
            # so the loop closes without "Task was destroyed" noise.
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(10)
        loop.close()
        self._thread = self._loop = self._runner = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @staticmethod
    def wait_until(predicate: Callable[[], object], timeout: float = 5.0) -> object:
        """Poll `predicate` from a sync test; returns its first truthy value."""
        deadline = time.monotonic() + timeout
        while not (value := predicate()):
            if time.monotonic() > deadline:
                raise TimeoutError("condition not met in %.1fs" % timeout)
            time.sleep(0.01)
        return value

    @staticmethod
    async def await_until(predicate: Callable[[], object], timeout: float = 5.0) -> object:
        """Like wait_until, without blocking the caller's event loop."""
        deadline = time.monotonic() + timeout
        while not (value := predicate()):
            if time.monotonic() > deadline:
                raise TimeoutError("condition not met in %.1fs" % timeout)
            await asyncio.sleep(0.01)
        return value
