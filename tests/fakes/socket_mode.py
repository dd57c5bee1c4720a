"""FakeSlack plus Socket Mode: apps.connections.open hands out a WebSocket on
the same server; tests push envelopes into it and read the app's acks."""

from __future__ import annotations

import asyncio
import itertools

from aiohttp import WSMsgType, web

from tests.fakes.slack_server import FakeSlack


class FakeSlackSocket(FakeSlack):
    _envelopes = itertools.count(1)

    def __init__(self, port: int = 0) -> None:
        super().__init__(port)
        self.acks: list[dict] = []
        self.app_tokens: list[str | None] = []
        self._sockets: list[web.WebSocketResponse] = []

    def build_app(self) -> web.Application:
        app = super().build_app()
        app.router.add_get("/link", self._link)
        return app

    def _api_apps_connections_open(self, p):
        return {"ok": True, "url": f"ws://{self.host}:{self.port}/link"}

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"}})
        self._sockets.append(ws)
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                with self._lock:
                    self.acks.append(message.json())
        return ws

    @property
    def connected(self) -> bool:
        return any(not ws.closed for ws in self._sockets)

    def push(self, payload: dict, kind: str = "events_api") -> str:
        """Send one envelope to the connected app; returns its envelope id."""
        envelope_id = f"env-{next(self._envelopes)}"
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                    "accepts_response_payload": kind != "events_api", "retry_attempt": 0, "retry_reason": ""}
        ws = next(ws for ws in reversed(self._sockets) if not ws.closed)
        asyncio.run_coroutine_threadsafe(ws.send_json(envelope), self._loop).result(5)
        return envelope_id
