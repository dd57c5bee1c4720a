"""supportbot retry ITEM: run a failed inbox item again, from its thread's last checkpoint."""

from __future__ import annotations

from bot.cli import CommandError
from bot.cli._args import item_id, thread_id

NAME = "retry"
HELP = "retry a failed inbox item (or every failed item of a thread with --thread)"


def configure(parser) -> None:
    parser.add_argument("item", nargs="?", type=item_id, help="inbox item id (see `supportbot threads --status error`)")
    parser.add_argument("--thread", type=thread_id, help="retry every failed item of this thread")


async def run(args, settings) -> int:
    from bot.queue.inbox import Inbox
    from graph.storage import open_storage

    if args.item is None and not args.thread:
        raise CommandError("retry: give an ITEM id or --thread THREAD_ID", code=2)
    async with open_storage(settings.database_url, pool_size=2,
                            keys=settings.encryption_keys) as storage:
        inbox = Inbox(storage.db)
        if args.thread:
            count = await inbox.retry_thread(args.thread)
            print(f"{count} failed item(s) of {args.thread} queued again")
            return 0 if count else 1
        row = await inbox.get(args.item)
        if row is None:
            raise CommandError(f"no inbox item {args.item}")
        if row["status"] != "failed":
            raise CommandError(f"item {args.item} is {row['status']}, not failed; nothing to retry")
        thread_id = await inbox.retry(args.item)
        print(f"item {args.item} of {thread_id} queued again; a running bot picks it up within a second")
    return 0
