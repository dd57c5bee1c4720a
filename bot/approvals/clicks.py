"""What a click on a card (or an Edit… submission) does, for the thin listeners.

``ack()`` comes only after the decision is committed: the app runs with
``process_before_response=True``, so a database failure raises, Bolt answers
500 and Slack shows the clicker an error instead of a decision that was lost.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.approvals.decisions import Approvals
from bot import messages as say
from bot.approvals.edit import ARG_BLOCK, NOTE_BLOCK, build_edit_modal, changed, check_args, note_problem, read_edit

log = logging.getLogger(__name__)


def _clicker(body: dict) -> tuple[str, str, str | None, str | None]:
    """(user, interrupt id, channel, thread_ts) of a block_actions click."""
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    thread_ts = container.get("thread_ts") or (body.get("message") or {}).get("thread_ts")
    return body["user"]["id"], body["actions"][0]["value"], channel, thread_ts


def _card(body: dict) -> tuple[str | None, str | None]:
    """(channel, ts) of the message whose button was clicked."""
    container = body.get("container") or {}
    return (container.get("channel_id") or (body.get("channel") or {}).get("id"),
            container.get("message_ts") or (body.get("message") or {}).get("ts"))


async def on_decision_click(approvals: Approvals, ack, body: dict, *, approve: bool) -> None:
    user, interrupt_id, channel, thread_ts = _clicker(body)
    outcome = await approvals.decide(user, interrupt_id, approve=approve, card=_card(body))
    await ack()
    if outcome.ok:
        await approvals.show(outcome.approval)
        return
    await approvals.tell(channel, user, outcome.message, thread_ts)
    if outcome.approval is not None and not outcome.approval.pending and _shows_buttons(body):
        await approvals.show(outcome.approval)  # the card missed its redraw earlier: repair it


async def on_edit_click(approvals: Approvals, ack, body: dict, client) -> None:
    user, interrupt_id, channel, thread_ts = _clicker(body)
    checked = await approvals.check(user, interrupt_id, card=_card(body))
    await ack()
    if not checked.ok:
        await approvals.tell(channel, user, checked.message, thread_ts)
        return
    try:
        await client.views_open(trigger_id=body["trigger_id"], view=build_edit_modal(checked.approval))
    except SlackApiError as exc:  # e.g. expired_trigger_id: the approver clicks again
        log.warning("could not open the edit modal", extra={"error": exc.response.get("error"),
                                                              "thread_id": checked.approval.thread_id})


async def on_edit_submission(approvals: Approvals, ack, body: dict, view: dict) -> None:
    user, interrupt_id = body["user"]["id"], view["private_metadata"]
    checked = await approvals.check(user, interrupt_id)
    if not checked.ok:
        await ack(response_action="errors", errors={NOTE_BLOCK: checked.message})
        return
    approval = checked.approval
    edited, note = read_edit(approval, (view.get("state") or {}).get("values") or {})
    args, errors = check_args(approval.tool, {**approval.final_args, **edited})
    errors = errors or note_problem(note)
    if not errors and approvals.recheck is not None and (problem := await approvals.recheck.problem(approval, args)):
        errors = {_first_block(approval): say.APPROVAL_BAD_ARGS.format(problem=problem)}
    if errors:
        await ack(response_action="errors", errors=errors)
        return
    outcome = await approvals.decide(user, interrupt_id, approve=True, note=note,
                                     edited_args=changed(approval.args, args) or None)
    if not outcome.ok:
        await ack(response_action="errors", errors={NOTE_BLOCK: outcome.message})
        return
    await ack()
    await approvals.show(outcome.approval)


def _first_block(approval) -> str:
    """Where a problem with the edited arguments is shown: the order, else the first input."""
    names = list(approval.final_args)
    return ARG_BLOCK + ("order_id" if "order_id" in names else names[0]) if names else NOTE_BLOCK


def _shows_buttons(body: dict) -> bool:
    blocks = (body.get("message") or {}).get("blocks") or []
    return any(block.get("type") == "actions" for block in blocks)
