"""supportbot playground: the whole Slack experience in a browser, against the real Bolt app."""

from __future__ import annotations

import logging
import secrets
import socket
import webbrowser

from aiohttp import web

from bot.cli.serve import stop_event
from bot.config import load_settings
from bot.playground.people import DEFAULT_APPROVALS_CHANNEL, PEOPLE, STAFF
from bot.playground.server import Playground
from bot.wiring import Service

log = logging.getLogger(__name__)

NAME = "playground"
HELP = "serve a local page that plays Slack (DMs, a channel, approvals, Home, an operator's timeline) against the bot"
HOST = "127.0.0.1"  # a page for the person at this machine, not a server for the network


def configure(parser) -> None:
    parser.add_argument("--port", type=int, default=None, help="HTTP port (default PORT, 3000; 0 = any free port)")
    parser.add_argument("--open", action="store_true", help="open the page in the default web browser")
    parser.add_argument("--workers", type=int, default=4, help="worker tasks (default %(default)s)")
    parser.add_argument("--log-level", default="WARNING", help="log level on stderr (default %(default)s)")


def playground_settings(settings, root_url: str, token: str, secret: str):
    """The user's settings (database, model, approval channel...), with Slack pointed at the playground."""
    overrides = settings.model_dump()
    overrides.update(
        slack_bot_token=token, slack_signing_secret=secret, slack_app_token=None, slack_api_url=f"{root_url}/api/",
        supportbot_approvers=list(STAFF), supportbot_operators=list(STAFF), supportbot_approver_group=None,
        supportbot_approval_channel=settings.supportbot_approval_channel or DEFAULT_APPROVALS_CHANNEL)
    return load_settings(**overrides)


def bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, port))
    return sock


async def run(args, settings) -> int:
    try:
        sock = bind(settings.port if args.port is None else args.port)
    except OSError as exc:
        print(f"supportbot: cannot listen on port {args.port or settings.port} ({exc.strerror}); try --port", flush=True)
        return 2
    root = f"http://{HOST}:{sock.getsockname()[1]}"
    token, secret = f"xoxb-playground-{secrets.token_hex(8)}", secrets.token_hex(16)
    settings = playground_settings(settings, root, token, secret)
    stop = stop_event()
    async with Service(settings, workers=args.workers) as service:
        playground = Playground(service, root, secret, token)
        await playground.start()
        runner = web.AppRunner(playground.web_app(), access_log=None, shutdown_timeout=1)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        model = "offline demo model" if service.agent.demo else f"model {settings.supportbot_model or 'gpt-4o-mini'}"
        print(f"supportbot playground on {root}/  (you are {PEOPLE[0].real_name}; "
              f"database {settings.database_url}; {model}; Ctrl+C stops)", flush=True)
        if args.open:
            webbrowser.open(f"{root}/")
        try:
            await stop.wait()
        finally:
            await playground.close()
            await service.drain()
            await runner.cleanup()
    return 0
