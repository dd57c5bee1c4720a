"""HTTP mode: Slack requests at POST /slack/events, plus health and metrics.

In Socket Mode without a signing secret there is no /slack/events at all
(404): Slack talks to the bot over the WebSocket, and an HTTP endpoint nobody
can verify would take forged requests.
"""

from __future__ import annotations

import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot.metrics import METRICS
from bot.slack.door import Door
from bot.slack.health import HealthCheck

log = logging.getLogger(__name__)

# Slack sends at most a few hundred KB; anything bigger is not Slack.
MAX_BODY = 1024 * 1024


def build_web_app(bolt: AsyncApp, service, socket_link=None) -> web.Application:
    settings = service.settings
    door = Door(settings.slack_signing_secret) if settings.slack_signing_secret else None

    async def slack_events(request: web.Request) -> web.Response:
        body = await request.read()
        if not door.check(request.remote or "unknown", body, request.headers):
            METRICS.deliveries.labels(outcome="refused").inc()
            return web.json_response({"error": "invalid request"}, status=401)
        try:
            bolt_request = await to_bolt_request(request)
        except (ValueError, TypeError, AttributeError, RecursionError):
            # Signed but not a Slack payload (JSON / form that does not parse, or `[1,2]`, `null`).
            METRICS.deliveries.labels(outcome="malformed").inc()
            return web.json_response({"error": "malformed request body"}, status=400)
        bolt_response = await bolt.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    health = HealthCheck(service.agent.storage.db)

    async def healthz(request: web.Request) -> web.Response:
        """Liveness + database: 200 when the database takes a write (and, on SQLite, its file
        is still there), 503 with a one-line reason otherwise."""
        problem = await health.problem()
        if problem is not None:
            return web.json_response({"ok": False, "reason": problem}, status=503)
        return web.json_response({"ok": True})

    async def readyz(request: web.Request) -> web.Response:
        """Readiness: up, database reachable, not draining, Socket Mode (when on) connected."""
        if service.draining:
            return web.json_response({"ready": False, "reason": "draining"}, status=503)
        if socket_link is not None and not await socket_link.connected():
            return web.json_response({"ready": False, "reason": "socket mode disconnected"}, status=503)
        return await healthz(request)

    async def metrics(request: web.Request) -> web.Response:
        await service.refresh_gauges()
        body = generate_latest(METRICS.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application(client_max_size=MAX_BODY)
    app.on_cleanup.append(lambda _app: health.close())
    if door is not None:
        app.router.add_post("/slack/events", slack_events)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    return app
