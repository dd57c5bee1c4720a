"""supportbot approvals: the approvals waiting for a decision (and, with --all, recent decisions)."""

from __future__ import annotations

import json
import sys
import time

from bot import messages as say

NAME = "approvals"
HELP = "list approvals waiting for a decision (--all: recent decisions too; --json for scripts)"

COLUMNS = ("ID", "STATUS", "AGE", "TOOL", "ACTION", "REQUESTER", "DECIDED BY", "THREAD")


def configure(parser) -> None:
    from bot.cli._args import count

    parser.add_argument("--all", action="store_true", help="include recently decided, expired and withdrawn ones")
    parser.add_argument("--limit", type=count, default=50, help="with --all: how many of the newest to list")
    parser.add_argument("--json", action="store_true", help="one JSON array, every field")


async def run(args, settings, out=None) -> int:
    from bot.approvals.store import ApprovalStore
    from graph.storage import open_storage

    out = out or sys.stdout
    async with open_storage(settings.database_url, pool_size=2, migrate=False,
                            keys=settings.encryption_keys) as storage:
        store = ApprovalStore(storage.db, inbox=None)  # read-only: nothing is enqueued
        found = await (store.recent(args.limit) if args.all else store.pending())
    if args.json:
        out.write(json.dumps([a.as_dict() for a in found], indent=2) + "\n")
        return 0
    if not found:
        out.write("No approvals are waiting for a decision.\n" if not args.all else "No approvals yet.\n")
        return 0
    out.write(table([COLUMNS, *(_row(a) for a in found)]))
    return 0


def _row(approval, now: float | None = None) -> tuple[str, ...]:
    status = approval.status
    if approval.pending and approval.card_error:  # nobody can see it to decide: say so where operators look
        status += ", " + say.CARD_NOT_POSTED.format(error=approval.card_error)
    return (str(approval.approval_id), status, age(approval.created_at, now), approval.tool,
            _clip(approval.summary or json.dumps(approval.final_args), 40), approval.requester or "-",
            approval.decided_by or "-", approval.thread_id)


def age(since: float, now: float | None = None) -> str:
    seconds = max(0, int((now if now is not None else time.time()) - since))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() + "\n" for r in rows)
