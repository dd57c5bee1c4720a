"""Start and stop a whole playground: settings pointed at it, the Service, the page's server."""

from __future__ import annotations

import secrets
import socket
from contextlib import asynccontextmanager
from typing import AsyncIterator

from aiohttp import web

from bot.config import load_settings
from bot.playground.people import DEFAULT_APPROVALS_CHANNEL, STAFF
from bot.playground.server import Playground
from bot.wiring import Service

HOST = "127.0.0.1"  # a page for the person at this machine, not a server for the network


def playground_settings(settings, root_url: str, token: str, secret: str):
    """The user's settings (database, model, approval channel...), with Slack pointed at the playground
    and its simulated staff as the approvers and operators."""
    overrides = settings.model_dump()
    overrides.update(
        slack_bot_token=token, slack_signing_secret=secret, slack_app_token=None, slack_api_url=f"{root_url}/api/",
        supportbot_approvers=list(STAFF), supportbot_operators=list(STAFF), supportbot_approver_group=None,
        supportbot_approval_channel=settings.supportbot_approval_channel or DEFAULT_APPROVALS_CHANNEL)
    return load_settings(**overrides)


def bind(port: int) -> socket.socket:
    """Bound before anything starts, so a taken port fails at once and port 0 names its port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, port))
    return sock


@asynccontextmanager
async def running_playground(settings, port: int, workers: int = 4, model=None) -> AsyncIterator[Playground]:
    sock = bind(port)
    root = f"http://{HOST}:{sock.getsockname()[1]}"
    token, secret = f"xoxb-playground-{secrets.token_hex(8)}", secrets.token_hex(16)
    settings = playground_settings(settings, root, token, secret)
    async with Service(settings, workers=workers, model=model) as service:
        playground = Playground(service, root, secret, token)
        await playground.start()
        runner = web.AppRunner(playground.web_app(), access_log=None, shutdown_timeout=1)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        try:
            yield playground
        finally:
            await playground.close()
            await service.drain()
            await runner.cleanup()
