"""supportbot show THREAD_ID [--checkpoint ID]: the state of a thread at a checkpoint."""

from __future__ import annotations

from bot.cli import CommandError
from bot.cli._args import checkpoint_id, thread_id

NAME = "show"
HELP = "show a thread's state at its head or at --checkpoint: messages, summary, customer, pauses, next"


def configure(parser) -> None:
    parser.add_argument("thread_id", metavar="THREAD_ID", type=thread_id,
                        help="a thread id, or a `supportbot chat` thread's name")
    parser.add_argument("--checkpoint", metavar="ID", type=checkpoint_id, default=None, help="a checkpoint id from `supportbot history`")
    parser.add_argument("--json", action="store_true", help="the state as JSON")


async def run(args, settings) -> int:
    from bot.operators.output import print_json
    from bot.operators.session import open_session
    from bot.operators.snapshot import render, show
    from bot.operators.timeline import NotFound

    async with open_session(settings) as session:
        try:
            state = await show(session.graph, args.thread_id, args.checkpoint)
        except NotFound as exc:
            raise CommandError(exc) from exc
    if args.json:
        print_json(state)
    else:
        print(render(state))
    return 0
