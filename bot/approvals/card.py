"""The approval card: pure Block Kit builders and the action ids they share with ``register()``.

A pending card says what will happen in plain words, who asked, why (the
model's stated reason), where (a link to the conversation), and carries
**Approve**, **Reject** and **Edit…** buttons whose value is the interrupt id.
A decided card keeps the facts, says who decided and when, and has no buttons.
"""

from __future__ import annotations

import time

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
        words = say.CARD_APPROVED_EDITED if approval.edited_args else say.CARD_APPROVED
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


def build_approval_card(approval: Approval) -> list[dict]:
    """Blocks of the card for ``approval`` in its current state."""
    action = _escape(_action(approval))
    if approval.status == PENDING:
        head = say.CARD_PENDING_HEAD.format(action=action)
    else:
        icon = {APPROVED: ":white_check_mark:", REJECTED: ":no_entry:", EXPIRED: ":hourglass:"}.get(
            approval.status, ":heavy_minus_sign:")
        head = say.CARD_DECIDED_HEAD.format(icon=icon, outcome=outcome_line(approval), action=action)
    fields = [
        {"type": "mrkdwn", "text": say.CARD_ASKED_BY.format(who=_who(approval.requester))},
        {"type": "mrkdwn", "text": say.CARD_WHERE.format(where=_where(approval))},
        {"type": "mrkdwn", "text": say.CARD_REASON.format(reason=_escape(approval.reason or say.CARD_NONE)[:1500])},
        {"type": "mrkdwn", "text": say.CARD_TOOL.format(tool=approval.tool)},
    ]
    blocks: list[dict] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": head[:2900]}},
        {"type": "section", "fields": fields},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": say.CARD_ARGUMENTS.format(args=format_args(approval.args)[:2900])}]},
    ]
    if approval.edited_args:
        blocks.append({"type": "context", "elements": [
            {"type": "mrkdwn", "text": say.CARD_CHANGED_TO.format(args=format_args(approval.final_args)[:2900])}]})
    if approval.note and approval.status != PENDING:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": say.CARD_NOTE.format(note=_escape(approval.note)[:2900])}]})
    if approval.status == PENDING:
        if approval.expires_at:
            blocks.append({"type": "context", "elements": [
                {"type": "mrkdwn", "text": say.CARD_EXPIRES.format(time=slack_time(approval.expires_at))}]})
        blocks.append({"type": "actions", "block_id": ACTIONS_BLOCK, "elements": [
            _button(say.CARD_APPROVE, APPROVE_ACTION, approval.interrupt_id, "primary"),
            _button(say.CARD_REJECT, REJECT_ACTION, approval.interrupt_id, "danger"),
            _button(say.CARD_EDIT, EDIT_ACTION, approval.interrupt_id),
        ]})
    return blocks


def _button(label: str, action_id: str, value: str, style: str | None = None) -> dict:
    button = {"type": "button", "text": {"type": "plain_text", "text": label}, "action_id": action_id, "value": value}
    if style:
        button["style"] = style
    return button


def button_value(blocks: list[dict], action_id: str) -> str | None:
    """The value of the card's button ``action_id`` (tests and operators read cards with it)."""
    for block in blocks or []:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id") == action_id:
                return element.get("value")
    return None
