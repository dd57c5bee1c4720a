"""supportbot worker: inbox workers without the web server (a separate process type)."""

from __future__ import annotations

import logging

from bot.cli._args import workers
from bot.cli.serve import stop_event

log = logging.getLogger(__name__)

NAME = "worker"
HELP = "run inbox workers only (scale them apart from the web process)"
CHECKS_ALL_SETTINGS = True


def configure(parser) -> None:
    parser.add_argument("--workers", type=workers, default=None, help="worker tasks (default SUPPORTBOT_WORKERS)")


async def run(args, settings) -> int:
    from bot.wiring import Service

    if not settings.slack_bot_token:
        settings.require_slack()
    stop = stop_event()
    async with Service(settings, workers=args.workers, web=False) as service:
        print(f"supportbot worker running ({service.workers} workers)", flush=True)
        await stop.wait()
    return 0
