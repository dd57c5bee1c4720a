"""supportbot threads: the threads in the database, newest activity first."""

from __future__ import annotations

from bot.cli import CommandError
from bot.cli._args import count, user_id
from bot.feedback import VOTES
from bot.operators.threads import STATUSES

NAME = "threads"
HELP = "list threads: last activity, status (idle/running/waiting/error), messages, checkpoints and their size"


def configure(parser) -> None:
    parser.add_argument("--user", action="append", default=[], metavar="U…", type=user_id,
                        help="only threads this Slack user took part in (repeatable)")
    parser.add_argument("--status", choices=STATUSES)
    parser.add_argument("--feedback", choices=VOTES, help="only threads with an answer voted this way")
    parser.add_argument("--since", metavar="WHEN", help="activity since: 30m, 24h, 7d, or a date (2025-01-31)")
    parser.add_argument("--limit", type=count, default=50, help="at most this many threads (default %(default)s)")
    parser.add_argument("--json", action="store_true",
                        help="one object per thread: thread_id, last_activity, status, messages, checkpoints, bytes")


async def run(args, settings) -> int:
    from bot.operators.clock import BadTime, parse_since
    from bot.operators.output import human_bytes, print_json, table
    from bot.operators.session import open_session
    from bot.operators.threads import THREAD_COLUMNS, NeedsDatabase, list_threads

    try:
        since = parse_since(args.since)
        async with open_session(settings) as session:
            rows = await list_threads(session.storage, users=args.user, status=args.status, feedback=args.feedback,
                                      since=since, limit=args.limit)
    except (BadTime, NeedsDatabase) as exc:
        raise CommandError(exc, code=2) from exc
    if args.json:
        print_json([r.as_json() for r in rows])
    else:
        print(table([{**r.as_json(), "size": human_bytes(r.bytes)} for r in rows], THREAD_COLUMNS,
                    empty="(no threads)"))
    return 0
