"""supportbot serve: the Slack app (HTTP on PORT, or Socket Mode) with workers in-process."""

from __future__ import annotations

import logging

from bot.cli._args import port, workers

log = logging.getLogger(__name__)
CHECKS_ALL_SETTINGS = True  # bot.cli: every malformed setting stops it at start, not at its first use

NAME = "serve"
HELP = "run the Slack app: HTTP on PORT at /slack/events (Socket Mode when SLACK_APP_TOKEN is set)"
SOCKET_CLOSE_SECONDS = 5.0  # of the drain deadline, at most, for closing the Socket Mode link


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
    stop = stop_event()
    if not await unless_stopped(check_bot_token(slack_client(settings)), stop):
        return 0
    async with Service(settings, workers=args.workers) as service:
        socket_link = None
        if settings.socket_mode:
            from bot.slack.socket_mode import SocketLink

            socket_link = SocketLink(service.bolt, settings.slack_app_token)
        runner = web.AppRunner(build_web_app(service.bolt, service, socket_link=socket_link), access_log=None)
        await runner.setup()
        port = args.port or settings.port
        await web.TCPSite(runner, settings.host, port).start()
        if socket_link is not None:
            # Connecting runs beside the stop signal: with Slack unreachable it may never end.
            socket_link.start()
        log.info("serving", extra={"host": settings.host, "port": port, "workers": service.workers,
                                   "mode": "socket" if socket_link else "http",
                                   "slack_events": bool(settings.slack_signing_secret)})
        print(f"supportbot serving on :{port} ({'Socket Mode' if socket_link else 'HTTP'}, "
              f"{service.workers} workers)", flush=True)
        await stop.wait()
        log.info("draining", extra={"deadline": settings.supportbot_drain_seconds})
        if socket_link is not None:
            await socket_link.stop(timeout=min(SOCKET_CLOSE_SECONDS, settings.supportbot_drain_seconds))
        # Keep accepting (and storing) deliveries while the workers drain.
        await service.drain()
        await runner.cleanup()
    return 0


async def unless_stopped(coro, stop) -> bool:
    """Run ``coro`` unless ``stop`` is set first (then cancel it); True when it finished."""
    import asyncio

    task, stopped = asyncio.ensure_future(coro), asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if task.done():
        task.result()
        return True
    task.cancel()
    return False
