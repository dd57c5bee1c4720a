"""supportbot forget: erase a user's or a thread's data (a GDPR erasure request)."""

from __future__ import annotations

import json


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
        if args.user:
            result = await forget_user(storage, args.user.strip())
        else:
            result = {"threads": [args.thread.strip()], **await forget_thread(storage, args.thread.strip())}
    if args.json:
        print(json.dumps(result, sort_keys=True))
        return 0
    threads = result.pop("threads", [])
    target = f"user {args.user}" if args.user else f"thread {args.thread}"
    if not threads:
        print(f"{target}: nothing found to forget")
        return 0
    print(f"forgot {target}: {len(threads)} thread(s)")
    for thread_id in threads:
        print(f"  {thread_id}")
    for key, value in sorted(result.items()):
        if key == "unhandled_tables":
            print(f"  warning: tables with a thread_id column forget does not handle: {', '.join(value)}")
        else:
            print(f"  {key}: {value}")
    return 0
