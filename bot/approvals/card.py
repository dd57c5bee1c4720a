"""The approval card: pure Block Kit builders and the action ids they share with ``register()``.

A pending card says what will happen in plain words, who asked, why (the
model's stated reason), where (a link to the conversation), and carries
**Approve**, **Reject** and **Edit…** buttons whose value is the interrupt id.
A decided card keeps the facts, says who decided and when, and has no buttons.
"""

from __future__ import annotations

import time

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot import messages as say
from bot.approvals.model import APPROVED, EXPIRED, PENDING, REJECTED, VOID, Approval
from bot.threads import parse_thread_id

APPROVE_ACTION = "approval_approve"
REJECT_ACTION = "approval_reject"
EDIT_ACTION = "approval_edit"
ACTIONS_BLOCK = "approval_actions"

# What a known tool does, in plain words; other tools read "Run <tool>".
ACTION_WORDS = {
    "refund_order": "Refund order {order_id}",
    "cancel_order": "Cancel order {order_id}",
}
MAX_VALUE = 300  # characters of one argument shown on a card


def describe_action(tool: str, args: dict, amount: str | None = None) -> str:
    """"Refund order 1001 ($129.00)": what approving will do, without the jargon."""
    words = ACTION_WORDS.get(tool)
    try:
        text = words.format(**args) if words else f"Run {tool}"
    except (KeyError, IndexError, ValueError):
        text = f"Run {tool}"
    return f"{text} ({amount})" if amount else text


def lowered(action: str) -> str:
    """"Refund order 1001" → "refund order 1001", to sit inside a sentence."""
    return action[:1].lower() + action[1:]


def format_args(args: dict) -> str:
    parts = []
    for key, value in args.items():
        shown = value if isinstance(value, str) else repr(value)
        if len(shown) > MAX_VALUE:
            shown = shown[: MAX_VALUE - 1] + "…"
        parts.append(f"`{key}`: {_escape(shown)}")
    return " · ".join(parts) or "(none)"


def slack_time(epoch: float) -> str:
    """A timestamp every reader sees in their own time zone (fallback: UTC)."""
    fallback = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(epoch))
    return f"<!date^{int(epoch)}^{{date_short_pretty}} at {{time}}|{fallback}>"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _who(user: str | None) -> str:
    return f"<@{user}>" if user and user not in ("unknown", "anonymous") else "someone"


def _where(approval: Approval) -> str:
    place = parse_thread_id(approval.thread_id)
    label = f"<#{place.channel_id}>" if place else approval.thread_id
    return f"<{approval.thread_link}|the conversation> in {label}" if approval.thread_link else label


def _action(approval: Approval) -> str:
    return approval.summary or describe_action(approval.tool, approval.final_args)


def outcome_line(approval: Approval) -> str:
    """"Approved by <@U2> at …" for a decided card; "" while pending."""
    when = f" at {slack_time(approval.decided_at)}" if approval.decided_at else ""
    if approval.status == APPROVED:
        edited = " with changes" if approval.edited_args else ""
        return f"Approved{edited} by {_who(approval.decided_by)}{when}"
    if approval.status == REJECTED:
        return f"Rejected by {_who(approval.decided_by)}{when}"
    if approval.status == EXPIRED:
        return f"Expired{when}: nobody decided in time"
    if approval.status == VOID:
        return f"Withdrawn{when}"
    return ""


def card_text(approval: Approval) -> str:
    """The notification / fallback text of the card."""
    if approval.status == PENDING:
        return f"Approval needed: {_action(approval)}, asked by {_who(approval.requester)}"
    return f"{outcome_line(approval)}: {_action(approval)}"


def customer_line(approval: Approval, in_thread: bool) -> str | None:
    """Whose order it is, for approvers: on a card in the approval channel, or in the customer's own thread."""
    customer = approval.customer
    if not customer:
        return None
    if in_thread and not customer.get("requester_owns"):
        return say.APPROVAL_CUSTOMER_HIDDEN
    name = _escape(str(customer.get("name") or "?"))
    return f"{name} ({_escape(str(customer.get('email') or '?'))})"


def _in_thread(approval: Approval) -> bool:
    place = parse_thread_id(approval.thread_id)
    return approval.card_channel is None or (place is not None and approval.card_channel == place.channel_id)


def build_approval_card(approval: Approval, in_thread: bool | None = None) -> list[dict]:
    """Blocks of the card for ``approval`` in its current state (slack_sdk enforces Slack's limits).

    ``in_thread``: the card sits in the conversation itself (not the approval channel);
    by default read from where the card was posted.
    """
    in_thread = _in_thread(approval) if in_thread is None else in_thread
    action = _escape(_action(approval))
    if approval.status == PENDING:
        head = f":raised_hand: *Approval needed:* {action}\n{say.APPROVAL_NEEDED}"
    else:
        icon = {APPROVED: ":white_check_mark:", REJECTED: ":no_entry:", EXPIRED: ":hourglass:"}.get(
            approval.status, ":heavy_minus_sign:")
        head = f"{icon} *{outcome_line(approval)}*\n{action}"
    fields = [
        f"*Asked by*\n{_who(approval.requester)}",
        f"*Where*\n{_where(approval)}",
        f"*Reason given*\n{_escape(approval.reason or '(none)')[:1500]}",
        f"*Tool*\n`{approval.tool}`",
    ]
    if (customer := customer_line(approval, in_thread)) is not None:
        fields.insert(1, f"*Customer*\n{customer[:1900]}")
    blocks: list = [
        SectionBlock(text=MarkdownTextObject(text=head[:2900])),
        SectionBlock(fields=[MarkdownTextObject(text=f) for f in fields]),
        _context("Arguments: " + format_args(approval.args)),
    ]
    if approval.edited_args:
        blocks.append(_context("Changed to: " + format_args(approval.final_args)))
    if approval.note and approval.status != PENDING:
        blocks.append(_context("Note: " + _escape(approval.note)))
    if approval.status == PENDING:
        if approval.expires_at:
            blocks.append(_context(f"Expires {slack_time(approval.expires_at)} if nobody decides."))
        confirm = ConfirmObject(title=say.APPROVAL_CONFIRM_TITLE, text=f"{_action(approval)[:290]}?",
                                confirm="Approve", deny="Cancel")
        blocks.append(ActionsBlock(block_id=ACTIONS_BLOCK, elements=[
            ButtonElement(text="Approve", action_id=APPROVE_ACTION, value=approval.interrupt_id,
                          style="primary", confirm=confirm),
            ButtonElement(text="Reject", action_id=REJECT_ACTION, value=approval.interrupt_id, style="danger"),
            ButtonElement(text="Edit…", action_id=EDIT_ACTION, value=approval.interrupt_id),
        ]))
    return [block.to_dict() for block in blocks]


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text[:2900])])


def button_value(blocks: list[dict], action_id: str) -> str | None:
    """The value of the card's button ``action_id`` (tests and operators read cards with it)."""
    for block in blocks or []:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id") == action_id:
                return element.get("value")
    return None
