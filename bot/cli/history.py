"""supportbot history THREAD_ID: a thread's checkpoints, newest first."""

from __future__ import annotations

from bot.cli import CommandError
from bot.cli._args import count, thread_id

NAME = "history"
HELP = "list a thread's checkpoints, newest first (what wrote each one, and the newest message then)"


def configure(parser) -> None:
    parser.add_argument("thread_id", metavar="THREAD_ID", type=thread_id,
                        help="e.g. slack:T123:C456:1712345678.000100, or a `supportbot chat` thread's name")
    parser.add_argument("--limit", type=count, default=None, help="show only the newest N checkpoints")
    parser.add_argument("--json", action="store_true",
                        help="one object per checkpoint: checkpoint_id, step, created_at, node, messages, last_message")


async def run(args, settings) -> int:
    from bot.operators.output import print_json, table
    from bot.operators.session import open_session
    from bot.operators.timeline import HISTORY_COLUMNS, NotFound, history, history_table

    async with open_session(settings) as session:
        try:
            steps = await history(session.graph, args.thread_id, args.limit)
        except NotFound as exc:
            raise CommandError(exc) from exc
    if args.json:
        print_json([s.as_json() for s in steps])
    else:
        print(table(history_table(steps), HISTORY_COLUMNS))
        if any(not s.on_head for s in steps):
            print("\nx = on a branch a rewind set aside (kept for the record)")
    return 0
