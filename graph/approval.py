"""The approval gate: a risky tool call pauses with ``interrupt()`` until a human decides.

The interrupt payload is plain data (no Slack): the bot turns it into a card.
The resume value is ``{"decision": "approve"|"reject", "by": ..., "note": ...,
"args": {...} | None}``; edited arguments are validated like the model's.
"""

from __future__ import annotations

from dataclasses import dataclass

from langgraph.types import interrupt
from pydantic import BaseModel

from graph.state import RunContext
from graph.tools import ToolSpec, validate


@dataclass(frozen=True)
class Decision:
    approved: bool
    by: str | None
    note: str | None
    args: BaseModel | None

    def as_tool_result(self) -> str:
        who = f" by {self.by}" if self.by else ""
        why = f": {self.note}" if self.note else " (no reason given)"
        return f"Rejected{who}{why}. The action was not carried out."


def approval_request(spec: ToolSpec, args: BaseModel, call: dict, thread_id: str | None, ctx: RunContext,
                     order: dict | None = None) -> dict:
    """``order``: the order the action is about (from the pre-check), so approvers see whose it is."""
    data = args.model_dump()
    customer = None
    if order:
        owns = bool(ctx.customer_email) and str(order.get("email")).lower() == ctx.customer_email.lower()
        customer = {"name": order.get("customer_name"), "email": order.get("email"), "requester_owns": owns}
    return {
        "customer": customer,
        "kind": "approval",
        "tool": spec.name,
        "args": data,
        "tool_call_id": call["id"],
        "thread_id": thread_id,
        "requester": ctx.requester,
        "reason": str(data.get("reason") or ""),
        "source": dict(ctx.source),
    }


def request_approval(spec: ToolSpec, args: BaseModel, call: dict, thread_id: str | None, ctx: RunContext,
                     order: dict | None = None) -> Decision:
    answer = interrupt(approval_request(spec, args, call, thread_id, ctx, order))
    if not isinstance(answer, dict):
        answer = {"decision": str(answer)}
    approved = str(answer.get("decision", "")).lower() in ("approve", "approved", "yes")
    edited = answer.get("args")
    new_args = validate(spec, {**args.model_dump(), **edited}) if approved and edited else None
    return Decision(approved, answer.get("by"), answer.get("note"), new_args)
