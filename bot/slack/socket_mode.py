"""Socket Mode: slack_bolt's handler on a slack_sdk client that reconnects with back-off.

slack_sdk's aiohttp client retries a failed connect every ``ping_interval``
seconds for ever, logging a traceback each time, inside ``connect()``: awaited
before anything else, it left ``serve`` deaf to SIGTERM while Slack was
unreachable. Here a connect attempt that fails is one WARNING line, the next
waits twice as long (capped, or Slack's Retry-After), and ``serve`` runs the
connecting in a task it cancels on a stop signal, whatever state it is in.
"""

from __future__ import annotations

import asyncio
import logging
import time

import aiohttp
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient

from bot.queue.shutdown import cancel_and_wait

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 60.0
PING_SECONDS = 10.0  # slack_bolt's default: how soon a dead link is noticed


def retry_delay(attempt: int, first: float = FIRST_RETRY_SECONDS, cap: float = MAX_RETRY_SECONDS) -> float:
    """Seconds before connect attempt ``attempt + 1``: doubling from ``first``, at most ``cap``."""
    return min(cap, first * 2 ** max(attempt - 1, 0))


def _why(exc: BaseException) -> tuple[str, float | None]:
    """What went wrong in one line, and the wait Slack asked for, if it did."""
    if isinstance(exc, SlackApiError):
        retry_after = exc.response.headers.get("Retry-After") if exc.response.status_code == 429 else None
        return str(exc.response.get("error") or exc.response.status_code), float(retry_after) if retry_after else None
    return f"{type(exc).__name__}: {exc}".rstrip(": "), None


class BackoffSocketModeClient(SocketModeClient):
    """slack_sdk's aiohttp client whose (re)connecting backs off and logs one line per attempt."""

    def __init__(self, *args, first_retry: float = FIRST_RETRY_SECONDS, max_retry: float = MAX_RETRY_SECONDS,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.first_retry, self.max_retry = first_retry, max_retry

    async def issue_new_wss_url(self) -> str:
        # Upstream logs an ERROR of its own before raising, and sleeps out a 429 itself.
        response = await self.web_client.apps_connections_open(app_token=self.app_token)
        return response["url"]

    async def connect(self) -> None:
        attempt = 0
        while not self.closed:
            try:
                await self._connect_once()
                log.info("socket mode connected", extra={"attempts": attempt + 1})
                return
            except Exception as exc:  # noqa: BLE001 - every failure is retried; the line says which
                if self.closed:
                    return
                attempt += 1
                error, asked = _why(exc)
                delay = asked or retry_delay(attempt, self.first_retry, self.max_retry)
                log.warning("socket mode could not connect to Slack; retrying",
                            extra={"attempt": attempt, "error": error, "retry_in": delay})
                self.wss_uri = None  # the next attempt asks Slack for a fresh URL
                await asyncio.sleep(delay)

    async def connect_to_new_endpoint(self, force: bool = False) -> None:
        # Called by upstream's monitor when the link died, and on Slack's "disconnect".
        async with self.connect_operation_lock:
            if force or not await self.is_connected():
                self.wss_uri = None
                await self.connect()

    async def _connect_once(self) -> None:
        """One try of upstream's ``connect()`` body: a URL, the WebSocket, its monitor and reader."""
        self.auto_reconnect_enabled = False
        if self.current_session is not None:
            try:
                await self.current_session.close()
            except Exception as exc:  # noqa: BLE001 - a broken old link may not close cleanly
                log.info("old Socket Mode link did not close cleanly", extra={"error": type(exc).__name__})
        if self.aiohttp_client_session.closed:
            self.aiohttp_client_session = aiohttp.ClientSession()
        if self.wss_uri is None:
            self.wss_uri = await self.issue_new_wss_url()
        self.current_session = await self.aiohttp_client_session.ws_connect(
            self.wss_uri, autoping=False, heartbeat=self.ping_interval, proxy=self.proxy,
            ssl=self.web_client.ssl if self.web_client.ssl is not None else True)
        self.auto_reconnect_enabled = self.default_auto_reconnect_enabled
        self.stale = False
        self.last_ping_pong_time = None
        await self.current_session.ping(f"sdk-ping-pong:{time.time()}".encode())
        # When a reconnect runs inside the monitor, cancelling it cancels the caller too,
        # as upstream does: a new monitor and reader take over this session.
        for task in (self.current_session_monitor, self.message_receiver):
            if task is not None:
                task.cancel()
        self.current_session_monitor = asyncio.ensure_future(self.monitor_current_session())
        self.message_receiver = asyncio.ensure_future(self.receive_messages())


class SocketLink(AsyncSocketModeHandler):
    """Bolt's Socket Mode handler on ``BackoffSocketModeClient``; ``start``/``stop`` never block on Slack."""

    def __init__(self, app: AsyncApp, app_token: str, *, first_retry: float = FIRST_RETRY_SECONDS,
                 max_retry: float = MAX_RETRY_SECONDS, ping_interval: float = PING_SECONDS) -> None:
        self.app, self.app_token = app, app_token
        self.client = BackoffSocketModeClient(app_token=app_token, logger=app.logger, web_client=app.client,
                                              ping_interval=ping_interval, first_retry=first_retry,
                                              max_retry=max_retry)
        self.client.socket_mode_request_listeners.append(self.handle)
        self._connecting: asyncio.Task | None = None

    def start(self) -> None:
        """Connect in the background, retrying until connected or stopped."""
        self._connecting = asyncio.create_task(self.connect_async(), name="socket-mode-connect")

    async def connected(self) -> bool:
        return await self.client.is_connected()

    async def stop(self, timeout: float) -> None:
        """Stop connecting and close the link, within ``timeout`` seconds."""
        self.client.closed = True  # before the cancel: a failing attempt must not schedule another
        if self._connecting is not None:
            await cancel_and_wait([self._connecting], timeout=timeout)
        try:
            await asyncio.wait_for(self.close_async(), timeout=max(timeout, 0.1))
        except (asyncio.TimeoutError, aiohttp.ClientError, OSError) as exc:
            log.warning("socket mode link did not close in time", extra={"error": type(exc).__name__})
