"""When a run pauses: one approvals row per interrupt, and its card posted exactly once.

Called by the worker (``TurnRunner.pauses.on_pause``) after the run's
checkpoint is written, so a crash anywhere here is repaired by the retried
run: the row is created with ON CONFLICT DO NOTHING, the card goes through the
outbox (``approval_card_key``) so it is never posted twice, and
``card_ts`` is recorded from whichever post Slack accepted.

A card Slack refuses (``not_in_channel`` for SUPPORTBOT_APPROVAL_CHANNEL...) does
not fail the run: the error is recorded on the row, operators get one WARNING
line saying how to fix it, the requester one sentence in their thread, and the
reconciler (``bot/approvals/reconcile.py``) posts it again after a back-off.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot import messages as say
from bot.approvals.card import build_approval_card, card_text, describe_action, lowered
from bot.approvals.links import Links
from bot.approvals.store import ApprovalStore
from bot.approvals.model import APPROVED, EXPIRED, REJECTED, Approval
from bot.queue.failures import is_transient
from bot.slack.outbox import ThreadOut, approval_card_key, approval_note_key, card_failed_key
from bot.threads import SlackPlace
from graph.shop import Shop, ShopError, money

log = logging.getLogger(__name__)

UNKNOWN = ("", "unknown", "anonymous")
CARD_RETRY_FIRST, CARD_RETRY_MAX = 30.0, 1800.0  # seconds: 30 s, 1 min, 2 min ... at most 30 min


def card_retry_delay(attempts: int) -> float:
    """How long after its ``attempts``-th refused post a card is tried again."""
    return min(CARD_RETRY_FIRST * 2 ** max(attempts - 1, 0), CARD_RETRY_MAX)


async def action_summary(shop: Shop, tool: str, args: dict) -> str:
    """The card's plain words, with the order's amount when there is one: "Refund order 1001 ($129.00)"."""
    amount = None
    if "order_id" in args:
        try:
            amount = money((await shop.order(int(args["order_id"])))["amount_cents"])
        except (ShopError, ValueError, TypeError):
            pass
    return describe_action(tool, args, amount)


class ApprovalPauses:
    def __init__(self, store: ApprovalStore, shop: Shop, links: Links, *,
                 channel: str | None = None, ttl: float | None = None) -> None:
        self.store = store
        self.shop = shop
        self.links = links
        self.channel = channel or None
        self.ttl = ttl

    async def on_pause(self, out: ThreadOut, interrupts: list, context) -> list[str]:
        place = out.place
        posted: list[str] = []
        for interrupt in interrupts:
            value = interrupt.value if isinstance(interrupt.value, dict) else {}
            if value.get("kind") != "approval":
                continue
            approval = await self.store.get(interrupt.id)
            if approval is None:
                approval = await self._request(interrupt.id, value, place, context)
            if not approval.pending:
                continue  # decided already: its resume item is in the inbox
            target = self._card_place(place)
            try:
                ts = await out.post(approval_card_key(interrupt.id), card_text(approval), kind="approval",
                                    blocks=build_approval_card(approval, in_thread=target is place), place=target)
            except SlackApiError as exc:
                posted += await self._card_refused(out, approval, target, exc)
                continue
            if approval.card_ts != ts:
                await self.store.set_card(interrupt.id, target.channel_id, ts)
            posted.append(ts)
            if target is not place:  # the card is elsewhere: say so in the thread
                note = say.APPROVAL_ASKED.format(action=lowered(approval.summary or approval.tool),
                                                 card=f"in <#{target.channel_id}>")
                posted.append(await out.post(approval_note_key(place.thread_id, interrupt.id), note))
            log.info("approval card posted", extra={"thread_id": place.thread_id, "tool": approval.tool,
                                                  "approval_id": approval.approval_id})
        return posted

    async def after_resume(self, out: ThreadOut, resumed: list, messages: list) -> None:
        """An approved action that failed when carried out (graph/agent.py marks its tool result):
        record it and redraw the card, so it does not read as a plain "Approved"."""
        failed = {m.tool_call_id: m.artifact["failed"] for m in messages
                  if isinstance(getattr(m, "artifact", None), dict) and m.artifact.get("failed")}
        for interrupt in resumed:
            error = failed.get((interrupt.value or {}).get("tool_call_id"))
            approval = await self.store.action_failed(interrupt.id, error) if error else None
            if approval is None or not (approval.card_channel and approval.card_ts):
                continue
            try:
                await out.outbox.update(approval.card_channel, approval.card_ts, text=card_text(approval),
                                        blocks=build_approval_card(approval))
            except SlackApiError as exc:
                log.warning("could not mark the card failed", extra={
                    "thread_id": approval.thread_id, "error": (exc.response or {}).get("error")})

    async def decided(self, interrupts: list) -> dict[str, dict]:
        """{interrupt id: resume value} of the interrupts whose request was decided already."""
        found = {}
        for interrupt in interrupts:
            approval = await self.store.get(interrupt.id)
            if approval is not None and approval.status in (APPROVED, REJECTED, EXPIRED):
                found[interrupt.id] = approval.resume_value()
        return found

    async def _card_refused(self, out: ThreadOut, approval: Approval, target: SlackPlace,
                            exc: SlackApiError) -> list[str]:
        error = str((exc.response or {}).get("error") or "unknown_error")
        retry_in = card_retry_delay(approval.card_attempts + 1)
        await self.store.card_failed(approval.interrupt_id, error, retry_in)
        fix = say.CARD_FIX.get(error, say.CARD_FIX_OTHER).format(channel=target.channel_id)
        log.warning(say.CARD_FAILED_LOG.format(error=error, fix=fix, retry=f"{retry_in:.0f} s"), extra={
            "thread_id": out.place.thread_id, "approval_id": approval.approval_id, "error": error})
        if is_transient(exc):
            return []  # Slack is having a moment: the retry will most likely post it unnoticed
        note = say.APPROVAL_CARD_FAILED.format(action=lowered(approval.summary or approval.tool))
        try:  # once per request (its outbox key); in the thread, which may still work
            return [await out.post(card_failed_key(out.place.thread_id, approval.interrupt_id), note)]
        except SlackApiError as again:
            log.warning("could not tell the requester their card was not posted",
                        extra={"thread_id": out.place.thread_id, "error": (again.response or {}).get("error")})
            return []

    async def _request(self, interrupt_id: str, value: dict, place: SlackPlace, context):
        args = dict(value.get("args") or {})
        tool = str(value.get("tool") or "a tool")
        requester = value.get("requester") or getattr(context, "requester", None)
        if requester in UNKNOWN:
            # A pause reached while resuming (no new message): the thread's earlier requester asked.
            requester = await self.store.last_requester(place.thread_id)
        return await self.store.request(
            interrupt_id, place.thread_id, tool, args, requester=requester,
            reason=value.get("reason") or args.get("reason"), summary=await self.summary(tool, args),
            thread_link=await self.links.thread(place), ttl=self.ttl, customer=value.get("customer"))

    async def summary(self, tool: str, args: dict) -> str:
        return await action_summary(self.shop, tool, args)

    def _card_place(self, place: SlackPlace) -> SlackPlace:
        if not self.channel:
            return place
        # The thread id stays the conversation's: the outbox row is fenced by its lease.
        return SlackPlace(place.thread_id, place.team_id, self.channel, None, False)
