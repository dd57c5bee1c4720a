"""HTTP mode: Slack requests at POST /slack/events, plus health and metrics."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot.metrics import METRICS

log = logging.getLogger(__name__)

# Slack sends at most a few hundred KB; anything bigger is not Slack.
MAX_BODY = 1024 * 1024


def build_web_app(bolt: AsyncApp, service) -> web.Application:
    async def slack_events(request: web.Request) -> web.Response:
        try:
            bolt_request = await to_bolt_request(request)
        except ValueError:  # Bolt parses the body up front: JSON / form that does not parse
            METRICS.deliveries.labels(outcome="malformed").inc()
            return web.json_response({"error": "malformed request body"}, status=400)
        bolt_response = await bolt.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    async def healthz(request: web.Request) -> web.Response:
        """Liveness + database: 200 when the database answers, 503 otherwise."""
        try:
            await asyncio.wait_for(service.agent.storage.db.ping(), timeout=2)
        except Exception as exc:
            return web.json_response({"ok": False, "database": type(exc).__name__}, status=503)
        return web.json_response({"ok": True})

    async def readyz(request: web.Request) -> web.Response:
        """Readiness: up, database reachable, not draining."""
        if service.draining:
            return web.json_response({"ready": False, "reason": "draining"}, status=503)
        return await healthz(request)

    async def metrics(request: web.Request) -> web.Response:
        await service.refresh_gauges()
        body = generate_latest(METRICS.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_post("/slack/events", slack_events)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    return app
