"""The approvals table and its audit trail: every change is one transaction.

* ``request``  one row per pause (unique interrupt id) + a "requested" audit row; idempotent.
* ``decide``   the atomic transition ``pending → approved|rejected`` (``UPDATE … WHERE
               status = 'pending' RETURNING``), its audit row and the resume item in
               the inbox (delivery key ``resume:{interrupt_id}``), committed together:
               a double click, two approvers at once or a resent click decide once.
* ``expire``   the same for overdue requests; the model is told "rejected: expired".
* ``card_failed`` / ``action_failed``  Slack refused the card (retried by bot/approvals/reconcile.py);
               the approved action failed when carried out (the card says so).

Rewinding a thread voids its pending requests (``bot/operators/rewind.py``,
status ``void``); forgetting one deletes them. A click on such a card is
answered "no longer pending".
"""

from __future__ import annotations

import json
import time

from bot.approvals.model import APPROVED, EXPIRED, REJECTED, Approval
from bot.queue.inbox import Inbox
from graph.db import Database


def resume_key(interrupt_id: str) -> str:
    return f"resume:{interrupt_id}"


class ApprovalStore:
    """``inbox=None``: decisions are recorded but no resume item is queued, because the
    caller resumes the run itself (the terminal chat) or only reads (``supportbot approvals``)."""

    def __init__(self, db: Database, inbox: Inbox | None, clock=time.time) -> None:
        self.db = db
        self.inbox = inbox
        self.clock = clock

    async def get(self, interrupt_id: str) -> Approval | None:
        row = await self.db.fetchone("approval_get", {"interrupt_id": interrupt_id})
        return Approval.from_row(row) if row else None

    async def request(self, interrupt_id: str, thread_id: str, tool: str, args: dict, *, requester: str | None,
                      reason: str | None, summary: str, thread_link: str | None, ttl: float | None,
                      customer: dict | None = None) -> Approval:
        now = self.clock()
        async with self.db.transaction() as tx:
            row = await tx.fetchone("approval_create", {
                "interrupt_id": interrupt_id, "thread_id": thread_id, "tool": tool, "args": json.dumps(args),
                "requester": requester, "reason": reason, "summary": summary, "thread_link": thread_link,
                "now": now, "expires_at": now + ttl if ttl else None,
                "customer": json.dumps(customer) if customer else None})
            if row is not None:
                await _audit(tx, now, requester, "approval_requested", thread_id, row["approval_id"], tool, args,
                             "pending", {"summary": summary, "reason": reason, "interrupt_id": interrupt_id})
        found = await self.get(interrupt_id)
        assert found is not None
        return found

    async def set_card(self, interrupt_id: str, channel: str, ts: str) -> None:
        await self.db.execute("approval_set_card", {"interrupt_id": interrupt_id, "card_channel": channel,
                                                    "card_ts": ts})

    async def card_failed(self, interrupt_id: str, error: str, retry_in: float) -> None:
        """Record why Slack refused the card, and when the reconciler may post it again."""
        await self.db.execute("approval_card_failed", {"interrupt_id": interrupt_id, "error": error,
                                                       "retry_at": self.clock() + retry_in})

    async def action_failed(self, interrupt_id: str, error: str) -> Approval | None:
        """The approved action failed when carried out: the row (and so its card) says so, and the audit trail."""
        async with self.db.transaction() as tx:
            if not await tx.execute("approval_action_failed", {"interrupt_id": interrupt_id, "error": error}):
                return None
            row = await tx.fetchone("approval_get", {"interrupt_id": interrupt_id})
            approval = Approval.from_row(row)
            await _audit(tx, self.clock(), None, "approval_action_failed", approval.thread_id, approval.approval_id,
                         approval.tool, approval.final_args, "failed", {"error": error,
                                                                        "interrupt_id": interrupt_id})
        return approval

    async def decide(self, interrupt_id: str, *, approve: bool, by: str, note: str | None = None,
                     edited_args: dict | None = None) -> Approval | None:
        """The decision, or None when the request was no longer pending (someone else decided)."""
        now = self.clock()
        status = APPROVED if approve else REJECTED
        params = {"interrupt_id": interrupt_id, "status": status, "decided_by": by, "now": now, "note": note,
                  "edited_args": json.dumps(edited_args) if edited_args else None}
        return await self._transition("approval_decide", params, by, status)

    async def expire(self, interrupt_id: str, note: str) -> Approval | None:
        params = {"interrupt_id": interrupt_id, "now": self.clock(), "note": note}
        return await self._transition("approval_expire", params, None, EXPIRED)

    async def _transition(self, query: str, params: dict, actor: str | None,
                          outcome: str) -> Approval | None:
        async with self.db.transaction() as tx:
            row = await tx.fetchone(query, params)
            if row is None:
                return None
            approval = Approval.from_row(row)
            await _audit(tx, params["now"], actor, f"approval_{outcome}", approval.thread_id, approval.approval_id,
                         approval.tool, approval.final_args, outcome,
                         {"note": approval.note, "edited_args": approval.edited_args,
                          "original_args": approval.args if approval.edited_args else None,
                          "interrupt_id": approval.interrupt_id})
            if self.inbox is not None:
                resume = {"interrupt_id": approval.interrupt_id, "value": approval.resume_value()}
                await self.inbox.enqueue(resume_key(approval.interrupt_id), approval.thread_id, "resume", resume, tx=tx)
        return approval

    async def refused(self, approval: Approval, user: str, why: str) -> None:
        """Audit a click that was not allowed to decide."""
        await _audit(self.db, self.clock(), user, "approval_refused", approval.thread_id, approval.approval_id,
                     approval.tool, approval.args, "refused", {"why": why, "interrupt_id": approval.interrupt_id})

    async def due(self, limit: int = 100) -> list[Approval]:
        rows = await self.db.fetchall("approvals_due", {"now": self.clock(), "limit": limit})
        return [Approval.from_row(r) for r in rows]

    async def pending(self) -> list[Approval]:
        return [Approval.from_row(r) for r in await self.db.fetchall("approvals_pending")]

    async def pending_count(self) -> int:
        return int((await self.db.fetchone("approvals_pending_count"))["n"])

    async def recent(self, limit: int = 50) -> list[Approval]:
        return [Approval.from_row(r) for r in await self.db.fetchall("approvals_recent", {"limit": limit})]

    async def last_requester(self, thread_id: str) -> str | None:
        row = await self.db.fetchone("approvals_last_requester", {"thread_id": thread_id})
        return row["requester"] if row else None

    async def audit_trail(self, approval_id: int) -> list[dict]:
        return await self.db.fetchall("audit_for_approval", {"approval_id": approval_id})


async def _audit(executor, now: float, actor: str | None, action: str, thread_id: str, approval_id: int,
                 tool: str, args: dict, outcome: str, detail: dict) -> None:
    await executor.execute("audit_insert", {
        "now": now, "actor": actor, "action": action, "thread_id": thread_id, "approval_id": approval_id,
        "tool": tool, "args": json.dumps(args), "outcome": outcome,
        "detail": json.dumps({k: v for k, v in detail.items() if v is not None}),
    })
