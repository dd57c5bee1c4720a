"""The state of a thread at one checkpoint: what the agent knew then."""

from __future__ import annotations

from bot.operators.clock import iso_of
from bot.operators.describe import format_args, message_json
from bot.operators.timeline import checkpoint_id_of, parent_id_of, snapshot_at

CUSTOMER_FIELDS = ("customer_name", "customer_email", "current_order")


async def show(graph, thread_id: str, checkpoint_id: str | None = None) -> dict:
    snapshot = await snapshot_at(graph, thread_id, checkpoint_id)
    values = snapshot.values or {}
    meta = snapshot.metadata or {}
    return {
        "thread_id": thread_id,
        "checkpoint_id": checkpoint_id_of(snapshot),
        "parent_checkpoint_id": parent_id_of(snapshot),
        "created_at": iso_of(snapshot.created_at),
        "step": meta.get("step"),
        "source": meta.get("source"),
        "slack_user": meta.get("slack_user"),
        "messages": [message_json(m) for m in values.get("messages") or []],
        "summary": values.get("summary") or "",
        "customer": {key: values.get(key) for key in CUSTOMER_FIELDS},
        "interrupts": [{"id": i.id, "value": i.value} for i in snapshot.interrupts],
        "next": list(snapshot.next),
    }


def render(state: dict) -> str:
    """The human-readable page for ``supportbot show``."""
    lines = [
        f"thread      {state['thread_id']}",
        f"checkpoint  {state['checkpoint_id']}  (step {state['step']}, {state['source']}, {state['created_at']})",
        f"parent      {state['parent_checkpoint_id'] or '-'}",
        f"next        {', '.join(state['next']) or '- (turn finished)'}",
    ]
    customer = ", ".join(f"{k.removeprefix('customer_')}={v}" for k, v in state["customer"].items() if v)
    lines.append(f"customer    {customer or '-'}")
    if state["summary"]:
        lines += ["", "summary:", *("  " + ln for ln in state["summary"].splitlines())]
    lines += ["", f"messages ({len(state['messages'])}):"]
    for n, message in enumerate(state["messages"], 1):
        lines.append(f"  {n:>3}. {_line(message)}")
    if state["interrupts"]:
        lines += ["", "waiting for:"]
        for item in state["interrupts"]:
            value = item["value"] if isinstance(item["value"], dict) else {"value": item["value"]}
            what = value.get("tool") or value.get("kind") or "input"
            args = value.get("args")
            lines.append(f"  {what}({format_args(args) if isinstance(args, dict) else args or ''})"
                         f"  (interrupt {item['id']})")
    return "\n".join(lines)


def _line(message: dict) -> str:
    text = " ".join((message.get("content") or "").split())
    if message.get("tool_calls"):
        calls = "; ".join(f"{c['name']}({format_args(c['args'])})" for c in message["tool_calls"])
        return f"assistant{': ' + text if text else ''} → {calls}"
    if message["role"] == "tool":
        return f"tool {message.get('name', '')}: {text}"
    return f"{message['role']}: {text}"
