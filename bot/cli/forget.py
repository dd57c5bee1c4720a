"""supportbot forget: erase a user's or a thread's data (a GDPR erasure request)."""

from __future__ import annotations

import json
import sys

from bot import messages as say

NOTHING_FOUND = 1  # an unknown thread, or a user with no threads
BUSY = 75  # EX_TEMPFAIL: a turn held a thread past the wait; run it again in a minute

NAME = "forget"
HELP = ("erase a Slack user's threads (--user U…) or one thread (--thread …): checkpoints, inbox, outbox, "
        "conversation and approval rows; audit rows stay with their text redacted")


def configure(parser) -> None:
    from bot.cli._args import thread_id, user_id

    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", metavar="USER_ID", type=user_id, help="a Slack user id, e.g. U012AB3CD")
    who.add_argument("--thread", metavar="THREAD_ID", type=thread_id,
                     help="a thread id, e.g. slack:T1:C1:1712345678.000100")
    parser.add_argument("--json", action="store_true", help="print the counts as one JSON object")


async def run(args, settings) -> int:
    from bot.operators.forget import forget_thread, forget_user
    from graph.storage import open_storage

    async with open_storage(settings.database_url, pool_size=2,
                            keys=settings.encryption_keys) as storage:
        from bot.operators.forget import found_anything
        from bot.operators.lease import ThreadBusy

        target = (say.CLI_FORGET_USER.format(user=args.user) if args.user
                  else say.CLI_FORGET_THREAD.format(thread_id=args.thread))
        try:
            if args.user:
                result = await forget_user(storage, args.user.strip())
            else:
                result = {"threads": [args.thread.strip()], **await forget_thread(storage, args.thread.strip())}
        except ThreadBusy:
            print(say.CLI_FORGET_BUSY.format(target=target), file=sys.stderr)
            return BUSY
    busy = result.pop("busy", [])
    found = found_anything(result) or bool(args.user and result.get("threads"))
    if args.json:
        print(json.dumps({**result, **({"busy": busy} if busy else {})}, sort_keys=True))
    elif not found:
        print(say.CLI_FORGET_NOTHING.format(target=target))
    else:
        _print_counts(target, result)
    for thread_id in busy:
        print(say.CLI_FORGET_BUSY.format(target=say.CLI_FORGET_THREAD.format(thread_id=thread_id)),
              file=sys.stderr)
    if busy:
        return BUSY
    return 0 if found else NOTHING_FOUND


def _print_counts(target: str, result: dict) -> None:
    threads = result.pop("threads", [])
    print(say.CLI_FORGOT.format(target=target, count=len(threads)))
    for thread_id in threads:
        print(say.CLI_FORGOT_THREAD.format(thread_id=thread_id))
    for key, value in sorted(result.items()):
        if key == "unhandled_tables":
            print(say.CLI_FORGET_UNHANDLED.format(tables=", ".join(value)))
        else:
            print(say.CLI_FORGOT_ROWS.format(table=key, count=value))
