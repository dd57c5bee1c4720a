"""supportbot playground: the whole Slack experience in a browser, against the real Bolt app."""

from __future__ import annotations

from bot.cli._args import log_level, port, workers
from bot.cli.serve import stop_event

NAME = "playground"
HELP = "serve a local page that plays Slack (DMs, a channel, approvals, Home, an operator's timeline) against the bot"
CHECKS_ALL_SETTINGS = True


def configure(parser) -> None:
    parser.add_argument("--port", type=port, default=None, help="HTTP port (default PORT, 3000; 0 = any free port)")
    parser.add_argument("--open", action="store_true", help="open the page in the default web browser")
    parser.add_argument("--workers", type=workers, default=4, help="worker tasks (default %(default)s)")
    parser.add_argument("--log-level", type=log_level, default="WARNING", help="log level on stderr (default %(default)s)")


async def run(args, settings) -> int:
    import webbrowser
    from contextlib import AsyncExitStack

    from bot.playground.people import DEFAULT_PERSON
    from bot.playground.runtime import running_playground
    from graph.model import DEFAULT_MODEL

    port = settings.port if args.port is None else args.port
    stop = stop_event()
    async with AsyncExitStack() as stack:
        try:
            playground = await stack.enter_async_context(running_playground(settings, port, args.workers))
        except OSError as exc:  # the port is taken (or not ours to use)
            print(f"supportbot: cannot listen on 127.0.0.1:{port} ({exc.strerror}); choose another with --port",
                  flush=True)
            return 2
        service = playground.service
        model = "offline demo model" if service.agent.demo else f"model {service.settings.supportbot_model or DEFAULT_MODEL}"
        print(f"supportbot playground on {playground.root_url}/  (you are {DEFAULT_PERSON.real_name}; "
              f"database {service.settings.database_url}; {model}; Ctrl+C stops)", flush=True)
        if args.open:
            webbrowser.open(f"{playground.root_url}/")
        await stop.wait()
    return 0
