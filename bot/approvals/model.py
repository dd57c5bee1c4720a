"""An approval request as stored in the ``approvals`` table (plain data, no I/O)."""

from __future__ import annotations

import json
from dataclasses import dataclass

PENDING, APPROVED, REJECTED, EXPIRED, VOID = "pending", "approved", "rejected", "expired", "void"


@dataclass(frozen=True)
class Approval:
    approval_id: int
    interrupt_id: str
    thread_id: str
    tool: str
    args: dict
    requester: str | None
    reason: str | None
    summary: str | None
    thread_link: str | None
    status: str
    decided_by: str | None
    decided_at: float | None
    note: str | None
    edited_args: dict | None
    card_channel: str | None
    card_ts: str | None
    created_at: float
    expires_at: float | None
    # Whose order it is: {"name", "email", "requester_owns"}; None when the action is about no order.
    customer: dict | None = None
    card_error: str | None = None  # why Slack refused the card (it is retried); None once posted
    card_attempts: int = 0  # posts Slack refused so far
    action_error: str | None = None  # approved, but the tool failed when carried out

    @classmethod
    def from_row(cls, row: dict) -> "Approval":
        return cls(
            approval_id=int(row["approval_id"]), interrupt_id=row["interrupt_id"], thread_id=row["thread_id"],
            tool=row["tool"], args=json.loads(row["args"] or "{}"), requester=row.get("requester"),
            reason=row.get("reason"), summary=row.get("summary"), thread_link=row.get("thread_link"),
            status=row["status"], decided_by=row.get("decided_by"), decided_at=row.get("decided_at"),
            note=row.get("note"), edited_args=json.loads(row["edited_args"]) if row.get("edited_args") else None,
            card_channel=row.get("card_channel"), card_ts=row.get("card_ts"),
            created_at=float(row["created_at"]), expires_at=row.get("expires_at"),
            customer=json.loads(row["customer"]) if row.get("customer") else None,
            card_error=row.get("card_error"), card_attempts=int(row.get("card_attempts") or 0),
            action_error=row.get("action_error"),
        )

    @property
    def pending(self) -> bool:
        return self.status == PENDING

    @property
    def final_args(self) -> dict:
        """What the tool runs with: the edited arguments over the model's."""
        return {**self.args, **(self.edited_args or {})}

    def resume_value(self) -> dict:
        """What the paused tool is resumed with once this request is decided (graph/approval.py)."""
        approved = self.status == APPROVED
        return {"decision": "approve" if approved else "reject", "by": self.decided_by, "note": self.note,
                "args": self.edited_args if approved and self.edited_args else None}

    def as_dict(self) -> dict:
        return dict(vars(self))


def humanize_seconds(seconds: float) -> str:
    """3600 → "1 hour", 5400 → "1.5 hours", 1 → "1 second"."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds >= size or unit == "second":
            value = round(seconds / size, 1)
            text = f"{value:g}"
            return f"{text} {unit}" + ("" if text == "1" else "s")
    raise AssertionError("unreachable")
