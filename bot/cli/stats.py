"""supportbot stats: turns per thread, steps per turn, tool use, approval waits, error rate."""

from __future__ import annotations

from bot.cli import CommandError

NAME = "stats"
HELP = "usage statistics from the database (SQL views over the inbox and approvals, plus the checkpoints)"


def configure(parser) -> None:
    parser.add_argument("--since", metavar="WHEN", help="only since: 30m, 24h, 7d, or a date (2025-01-31)")
    parser.add_argument("--json", action="store_true", help="the numbers as JSON")


async def run(args, settings) -> int:
    from bot.operators.clock import BadTime, parse_since
    from bot.operators.output import print_json
    from bot.operators.session import open_session
    from bot.operators.stats import collect, render
    from bot.operators.threads import NeedsDatabase

    try:
        since = parse_since(args.since)
        async with open_session(settings) as session:
            data = await collect(session.storage, since)
    except (BadTime, NeedsDatabase) as exc:
        raise CommandError(exc, code=2) from exc
    print_json(data) if args.json else print(render(data))
    return 0
