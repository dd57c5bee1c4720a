"""supportbot rewind THREAD_ID --to CHECKPOINT_ID: the thread continues from that checkpoint."""

from __future__ import annotations

import getpass

from bot.cli import CommandError
from bot.cli._args import checkpoint_id, seconds, thread_id

NAME = "rewind"
HELP = "fork a thread at an earlier checkpoint; what came after stays in history, pending approvals are voided"


def configure(parser) -> None:
    parser.add_argument("thread_id", metavar="THREAD_ID", type=thread_id)
    parser.add_argument("--to", required=True, metavar="CHECKPOINT_ID", type=checkpoint_id,
                        help="from `supportbot history`")
    parser.add_argument("--by", default=None, metavar="NAME", help="who is rewinding (default: your login name)")
    parser.add_argument("--wait", type=seconds, default=10.0, metavar="SECONDS",
                        help="wait this long for a running turn to finish (default %(default)s)")
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")


async def run(args, settings) -> int:
    from bot.operators.lease import ThreadBusy
    from bot.operators.output import print_json
    from bot.operators.rewind import AlreadyThere, rewind
    from bot.operators.session import open_session, slack_out
    from bot.operators.timeline import NotFound

    by = args.by or getpass.getuser()
    async with open_session(settings) as session:
        try:
            result = await rewind(session.graph, session.storage.db, args.thread_id, args.to, by,
                                  slack=slack_out(settings, session.storage.db), wait=args.wait)
        except (NotFound, AlreadyThere, ThreadBusy) as exc:
            raise CommandError(exc) from exc
    if args.json:
        print_json(result.as_json())
        return 0
    print(f"Rewound {result.thread_id} to {result.to}.")
    print(f"  new head {result.new_head} (the old head {result.old_head} stays in history)")
    for approval in result.voided:
        print(f"  voided approval #{approval['approval_id']} ({approval['tool']})")
    if result.released:
        print(f"  {result.released} waiting message(s) will be answered on the new branch")
    notice = {"posted": "told the Slack thread", "failed": "could NOT tell the Slack thread (see the log)",
              "no": "Slack not told (not a Slack thread, or SLACK_BOT_TOKEN unset)"}[result.notified]
    print(f"  {notice}")
    return 0
