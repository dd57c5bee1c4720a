"""Pure builders of the Home tab (``views.publish``), from plain data gathered by ``bot.home.publish``.

An approver's pending requests carry **Approve** / **Reject** whose value is the
interrupt id and whose block names the approval; a click from Home goes through
the same decide-once path (``Approvals.decide``) as the card in the thread. A
request the viewer made has no buttons, and a viewer who is not an approver has
no approvals section.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot import messages as say
from bot.approvals.card import approve_confirm, customer_line, describe_action, slack_time
from bot.approvals.model import Approval

MAX_BLOCKS = 100  # Slack's limit for a Home view
HOME_APPROVE_ACTION = "home_approval_approve"
HOME_REJECT_ACTION = "home_approval_reject"


@dataclass(frozen=True)
class HomeThread:
    thread_id: str
    link: str | None
    note: str


@dataclass(frozen=True)
class HomeApproval:
    approval: Approval
    may_decide: bool  # False: the viewer asked for it themselves


@dataclass
class HomeData:
    user: str
    approvals: list[HomeApproval] | None = None  # None: not an approver (no section at all)
    operator_threads: list[HomeThread] | None = None  # None: not an operator
    mine: list[HomeThread] = field(default_factory=list)


def home_block_id(approval: Approval) -> str:
    return f"home_approval_{approval.approval_id}"


def _md(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=text[:2900])


def _thread_line(thread: HomeThread) -> str:
    name = f"<{thread.link}|{thread.thread_id}>" if thread.link else f"`{thread.thread_id}`"
    return f"• {name} — {thread.note}"


def _threads_section(threads: list[HomeThread], empty: str) -> SectionBlock:
    lines = [_thread_line(t) for t in threads] or [empty]
    return SectionBlock(text=_md("\n".join(lines)))


def approval_blocks(item: HomeApproval) -> list:
    approval = item.approval
    action = approval.summary or describe_action(approval.tool, approval.final_args)
    where = f" in <{approval.thread_link}|the conversation>" if approval.thread_link else ""
    who = f"<@{approval.requester}>" if approval.requester else "someone"
    blocks: list = [
        SectionBlock(text=_md(f"*{action}*{where}\n{say.HOME_ASKED.format(who=who, when=slack_time(approval.created_at))}"
                              + (f"\n_{approval.reason}_" if approval.reason else ""))),
    ]
    # The Home tab is the approver's own view, so it may name whose order it is.
    if (customer := customer_line(approval, in_thread=False)) is not None:
        blocks.append(ContextBlock(elements=[_md(say.CARD_CUSTOMER.format(customer=customer[:1900]))]))
    if item.may_decide:
        blocks.append(ActionsBlock(block_id=home_block_id(approval), elements=[
            ButtonElement(text="Approve", action_id=HOME_APPROVE_ACTION, value=approval.interrupt_id, style="primary",
                          confirm=approve_confirm(approval)),
            ButtonElement(text="Reject", action_id=HOME_REJECT_ACTION, value=approval.interrupt_id, style="danger"),
        ]))
    else:
        blocks.append(ContextBlock(elements=[_md(say.HOME_OWN_REQUEST)]))
    return blocks


def build_home_view(data: HomeData) -> dict:
    blocks: list = [HeaderBlock(text=say.HOME_TITLE), SectionBlock(text=_md(say.HOME_ABOUT))]
    if data.approvals is not None:
        blocks += [DividerBlock(), HeaderBlock(text=say.HOME_APPROVALS)]
        if not data.approvals:
            blocks.append(SectionBlock(text=_md(say.HOME_NO_APPROVALS)))
        for item in data.approvals:
            blocks += approval_blocks(item)
    if data.operator_threads is not None:
        blocks += [DividerBlock(), HeaderBlock(text=say.HOME_OPERATOR),
                   _threads_section(data.operator_threads, say.HOME_OPERATOR_NONE)]
    blocks += [DividerBlock(), HeaderBlock(text=say.HOME_MINE), _threads_section(data.mine, say.HOME_MINE_NONE)]
    return View(type="home", blocks=blocks[:MAX_BLOCKS]).to_dict()
