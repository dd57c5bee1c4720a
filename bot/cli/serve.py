"""supportbot serve: the Slack app (HTTP on PORT, or Socket Mode) with workers in-process."""

from __future__ import annotations

import logging

from bot.cli._args import port, workers

log = logging.getLogger(__name__)
CHECKS_ALL_SETTINGS = True  # bot.cli: every malformed setting stops it at start, not at its first use

NAME = "serve"
HELP = "run the Slack app: HTTP on PORT at /slack/events (Socket Mode when SLACK_APP_TOKEN is set)"


def configure(parser) -> None:
    parser.add_argument("--workers", type=workers, default=None,
                        help="worker tasks in this process (default SUPPORTBOT_WORKERS; 0 = web only)")
    parser.add_argument("--port", type=port, default=None, help="HTTP port (default PORT)")


def stop_event():
    """An asyncio.Event set on SIGTERM / SIGINT: the process drains and exits 0."""
    import asyncio
    import signal

    event = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, event.set)
    return event


async def run(args, settings) -> int:
    from aiohttp import web

    from bot.slack.bolt_app import slack_client
    from bot.slack.token import check_bot_token
    from bot.slack.web import build_web_app
    from bot.wiring import Service

    settings.require_slack()
    await check_bot_token(slack_client(settings))
    stop = stop_event()
    async with Service(settings, workers=args.workers) as service:
        runner = web.AppRunner(build_web_app(service.bolt, service), access_log=None)
        await runner.setup()
        port = args.port or settings.port
        await web.TCPSite(runner, settings.host, port).start()
        socket_handler = None
        if settings.socket_mode:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            socket_handler = AsyncSocketModeHandler(service.bolt, settings.slack_app_token)
            await socket_handler.connect_async()
        log.info("serving", extra={"host": settings.host, "port": port, "workers": service.workers,
                                   "mode": "socket" if socket_handler else "http",
                                   "slack_events": bool(settings.slack_signing_secret)})
        print(f"supportbot serving on :{port} ({'Socket Mode' if socket_handler else 'HTTP'}, "
              f"{service.workers} workers)", flush=True)
        await stop.wait()
        log.info("draining", extra={"deadline": settings.supportbot_drain_seconds})
        if socket_handler is not None:
            await socket_handler.close_async()
        # Keep accepting (and storing) deliveries while the workers drain.
        await service.drain()
        await runner.cleanup()
    return 0
