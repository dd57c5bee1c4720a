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

MAX_VALUE = 300  # characters of one argument shown on a card


def describe_action(tool: str, args: dict, amount: str | None = None) -> str:
    """"Refund order 1001 ($129.00)": what approving will do, without the jargon."""
    words = say.CARD_ACTIONS.get(tool)
    try:
        text = words.format(**args) if words else say.CARD_ACTION_OTHER.format(tool=tool)
    except (KeyError, IndexError, ValueError):
        text = say.CARD_ACTION_OTHER.format(tool=tool)
    return say.CARD_ACTION_AMOUNT.format(action=text, amount=amount) if amount else text


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
    return " · ".join(parts) or say.CARD_NONE


def slack_time(epoch: float) -> str:
    """A timestamp every reader sees in their own time zone (fallback: UTC)."""
    fallback = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(epoch))
    return f"<!date^{int(epoch)}^{{date_short_pretty}} at {{time}}|{fallback}>"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _who(user: str | None) -> str:
    return f"<@{user}>" if user and user not in ("unknown", "anonymous") else say.CARD_NOBODY


def _where(approval: Approval) -> str:
    place = parse_thread_id(approval.thread_id)
    label = f"<#{place.channel_id}>" if place else approval.thread_id
    return say.CARD_CONVERSATION.format(link=approval.thread_link, place=label) if approval.thread_link else label


def _action(approval: Approval) -> str:
    return approval.summary or describe_action(approval.tool, approval.final_args)


def outcome_line(approval: Approval) -> str:
    """"Approved by <@U2> at …" for a decided card; "" while pending."""
    when = say.CARD_AT.format(time=slack_time(approval.decided_at)) if approval.decided_at else ""
    if approval.status == APPROVED:
        words = say.CARD_APPROVED_FAILED if approval.action_error else \
            say.CARD_APPROVED_EDITED if approval.edited_args else say.CARD_APPROVED
        return words.format(who=_who(approval.decided_by), when=when)
    if approval.status == REJECTED:
        return say.CARD_REJECTED.format(who=_who(approval.decided_by), when=when)
    if approval.status == EXPIRED:
        return say.CARD_EXPIRED.format(when=when)
    if approval.status == VOID:
        return say.CARD_WITHDRAWN.format(when=when)
    return ""


def card_text(approval: Approval) -> str:
    """The notification / fallback text of the card."""
    if approval.status == PENDING:
        return say.CARD_PENDING_TEXT.format(action=_action(approval), who=_who(approval.requester))
    return say.CARD_DECIDED_TEXT.format(outcome=outcome_line(approval), action=_action(approval))


def customer_line(approval: Approval, in_thread: bool) -> str | None:
    """Whose order it is, for approvers: on a card in the approval channel, or in the customer's own thread."""
    customer = approval.customer
    if not customer:
        return None
    if in_thread and not customer.get("requester_owns"):
        return say.APPROVAL_CUSTOMER_HIDDEN
    return say.CARD_CUSTOMER_IS.format(name=_escape(str(customer.get("name") or "?")),
                                       email=_escape(str(customer.get("email") or "?")))


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
        head = say.CARD_PENDING_HEAD.format(action=action)
    else:
        icon = ":warning:" if approval.action_error else {
            APPROVED: ":white_check_mark:", REJECTED: ":no_entry:", EXPIRED: ":hourglass:"}.get(
            approval.status, ":heavy_minus_sign:")
        head = say.CARD_DECIDED_HEAD.format(icon=icon, outcome=outcome_line(approval), action=action)
    fields = [
        say.CARD_ASKED_BY.format(who=_who(approval.requester)),
        say.CARD_WHERE.format(where=_where(approval)),
        say.CARD_REASON.format(reason=_escape(approval.reason or say.CARD_NONE)[:1500]),
        say.CARD_TOOL.format(tool=approval.tool),
    ]
    if (customer := customer_line(approval, in_thread)) is not None:
        fields.insert(1, say.CARD_CUSTOMER.format(customer=customer[:1900]))
    blocks: list = [
        SectionBlock(text=MarkdownTextObject(text=head[:2900])),
        SectionBlock(fields=[MarkdownTextObject(text=f) for f in fields]),
        _context(say.CARD_ARGUMENTS.format(args=format_args(approval.args))),
    ]
    if approval.edited_args:
        blocks.append(_context(say.CARD_CHANGED_TO.format(args=format_args(approval.final_args))))
    if approval.note and approval.status != PENDING:
        blocks.append(_context(say.CARD_NOTE.format(note=_escape(approval.note))))
    if approval.status == PENDING:
        if approval.expires_at:
            blocks.append(_context(say.CARD_EXPIRES.format(time=slack_time(approval.expires_at))))
        confirm = approve_confirm(approval)
        blocks.append(ActionsBlock(block_id=ACTIONS_BLOCK, elements=[
            ButtonElement(text=say.CARD_APPROVE, action_id=APPROVE_ACTION, value=approval.interrupt_id,
                          style="primary", confirm=confirm),
            ButtonElement(text=say.CARD_REJECT, action_id=REJECT_ACTION, value=approval.interrupt_id,
                          style="danger"),
            ButtonElement(text=say.CARD_EDIT, action_id=EDIT_ACTION, value=approval.interrupt_id),
        ]))
    return [block.to_dict() for block in blocks]


def approve_confirm(approval: Approval) -> ConfirmObject:
    """The dialog every Approve button opens (card and Home tab): "Refund order 1001 ($129.00)?"."""
    return ConfirmObject(title=say.APPROVAL_CONFIRM_TITLE,
                         text=say.APPROVAL_CONFIRM_TEXT.format(action=_action(approval)[:290]),
                         confirm=say.CARD_APPROVE, deny=say.APPROVAL_CONFIRM_DENY)


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text[:2900])])


def button_value(blocks: list[dict], action_id: str) -> str | None:
    """The value of the card's button ``action_id`` (tests and operators read cards with it)."""
    for block in blocks or []:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id") == action_id:
                return element.get("value")
    return None
