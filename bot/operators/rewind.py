"""Rewind: the thread continues from an earlier checkpoint.

The rewind is a fork: a new head whose parent is the chosen checkpoint and
whose values and next steps are a copy of it. Nothing is deleted; the
abandoned branch stays in ``history``. It runs under the thread's lease, so no
worker writes to the thread meanwhile; approvals still pending on the
abandoned branch are voided (and their cards say so); messages held behind
such a pause are released to be answered on the new branch.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from langgraph.checkpoint.base import copy_checkpoint
from langgraph.checkpoint.base.id import uuid6

from bot import messages as say
from bot.operators.cards import build_voided_card
from bot.operators.lease import operator_owner, thread_lease
from bot.operators.timeline import NotFound, checkpoint_id_of, snapshot_at, thread_config
from bot.slack.outbox import rewind_key
from bot.threads import parse_thread_id

log = logging.getLogger(__name__)

_CARRIED = ("parents", "counters_since_delta_snapshot")  # LangGraph bookkeeping a copy keeps


def who(by: str) -> str:
    """A Slack user id becomes a mention; an operator's login name stays as it is."""
    return f"<@{by}>" if re.fullmatch(r"[UW][A-Z0-9]{2,}", by) else by


class AlreadyThere(ValueError):
    """The thread's head is the checkpoint asked for."""


@dataclass
class RewindResult:
    thread_id: str
    to: str
    old_head: str
    new_head: str
    voided: list[dict] = field(default_factory=list)
    released: int = 0
    notified: str = "no"  # "posted" | "no" (not a Slack thread / no token) | "failed"

    def as_json(self) -> dict:
        return {"thread_id": self.thread_id, "to": self.to, "old_head": self.old_head,
                "new_head": self.new_head, "voided_approvals": self.voided,
                "released_messages": self.released, "slack_notice": self.notified}


async def rewind(graph, db, thread_id: str, to: str, by: str, *, slack=None, wait: float = 5.0) -> RewindResult:
    """Fork ``thread_id`` at checkpoint ``to``. ``slack``: a ``SlackOut`` to tell the thread, or None."""
    await snapshot_at(graph, thread_id, to)  # NotFound before taking anything
    async with thread_lease(db, thread_id, operator_owner(by), wait=wait) as lease:
        head = await snapshot_at(graph, thread_id)  # read under the lease: no worker moves it now
        old_head = checkpoint_id_of(head)
        if old_head == to:
            raise AlreadyThere(say.ALREADY_THERE.format(thread_id=thread_id, checkpoint=to))
        new_head = await fork(graph.checkpointer, thread_id, to, {
            "rewound_by": by, "rewound_to": to, "rewound_from": old_head})
        now = time.time()
        async with db.transaction() as tx:
            voided = await _void_pending(tx, thread_id, by, to, now)
            released = await tx.execute("operator_unhold", {"thread_id": thread_id, "now": now})
            await tx.execute("operator_audit", {
                "now": now, "actor": by, "action": "rewind", "thread_id": thread_id, "approval_id": None,
                "tool": None, "args": None, "outcome": "rewound",
                "detail": json.dumps({"to": to, "from": old_head, "head": new_head, "voided": len(voided)})})
        result = RewindResult(thread_id, to, old_head, new_head, voided, max(released, 0))
        log.info("thread rewound", extra={"thread_id": thread_id, "to": to, "from": old_head,
                                          "by": by, "voided": len(voided)})
        if slack is not None:
            result.notified = await _tell_slack(slack, lease, result, by)
    return result


async def fork(saver, thread_id: str, checkpoint_id: str, extra: dict) -> str:
    """Write a copy of ``checkpoint_id`` as the thread's new head, with it as parent; returns the new id."""
    saved = await saver.aget_tuple(thread_config(thread_id, checkpoint_id))
    if saved is None:
        raise NotFound(say.OP_CHECKPOINT_NOT_FOUND.format(checkpoint=checkpoint_id, thread_id=thread_id))
    step = int(saved.metadata.get("step", -1)) + 1
    copy = copy_checkpoint(saved.checkpoint)
    copy["id"] = str(uuid6(clock_seq=step))
    copy["ts"] = datetime.now(timezone.utc).isoformat()
    metadata = {k: v for k, v in saved.metadata.items() if k.startswith("slack_") or k in _CARRIED}
    metadata.update(extra, source="fork", step=step)
    # new_versions={}: the copy points at the very channel values the old checkpoint has.
    written = await saver.aput(saved.config, copy, metadata, {})
    return written["configurable"]["checkpoint_id"]


async def _void_pending(tx, thread_id: str, by: str, to: str, now: float) -> list[dict]:
    voided = []
    for row in await tx.fetchall("operator_approvals_pending", {"thread_id": thread_id}):
        note = f"rewound to {to}"
        changed = await tx.execute("operator_approval_void", {
            "approval_id": row["approval_id"], "by": by, "now": now, "note": note})
        if changed != 1:
            continue  # decided a moment ago: nothing to void
        await tx.execute("operator_audit", {
            "now": now, "actor": by, "action": "void", "thread_id": thread_id, "approval_id": row["approval_id"],
            "tool": row["tool"], "args": row["args"], "outcome": "void", "detail": note})
        voided.append({"approval_id": row["approval_id"], "tool": row["tool"], "args": row["args"],
                       "card_channel": row["card_channel"], "card_ts": row["card_ts"]})
    return voided


async def _tell_slack(slack, lease, result: RewindResult, by: str) -> str:
    """The notice in the thread, then the voided cards; Slack trouble never undoes the rewind."""
    outcome = "no"
    place = parse_thread_id(result.thread_id)
    try:
        if place is not None:
            await slack.to(lease, place).post(rewind_key(result.thread_id, result.new_head),
                                              say.REWOUND.format(by=who(by), checkpoint=result.to), kind="notice")
            outcome = "posted"
        for approval in result.voided:
            if approval["card_channel"] and approval["card_ts"]:
                await slack.update(approval["card_channel"], approval["card_ts"],
                                   **build_voided_card(approval["tool"], approval["args"], who(by)))
    except Exception:
        log.warning("could not tell Slack about a rewind", extra={"thread_id": result.thread_id}, exc_info=True)
        return "failed"
    return outcome
