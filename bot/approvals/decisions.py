"""Deciding approvals: authorise the clicker, decide once, wake the workers, redraw the card.

``Approvals`` is what the listeners (``bot/listeners/actions``, ``views``) and the
expiry task use; ``bot/wiring.py`` builds it. Everything it needs
to know is in the database, so a click days later, after any number of
restarts, resumes the paused run.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages as say
from bot.approvals.authz import Approvers
from bot.approvals.card import build_approval_card, card_text, outcome_line
from bot.approvals.model import Approval, humanize_seconds
from bot.approvals.store import ApprovalStore
from bot.metrics import METRICS

log = logging.getLogger(__name__)

SLACK_FOLLOW_UP_SECONDS = 2.0  # card redraws and ephemerals inside a click's 3 s budget


@dataclass(frozen=True)
class Outcome:
    approval: Approval | None
    message: str | None = None  # for the clicker (ephemeral) when nothing was decided

    @property
    def ok(self) -> bool:
        """Allowed (``check``) or decided (``decide``); else ``message`` says why not."""
        return self.message is None and self.approval is not None


class Approvals:
    def __init__(self, store: ApprovalStore, approvers: Approvers, client: AsyncWebClient, *,
                 wake: Callable[[], None] = lambda: None, recheck=None) -> None:
        self.store = store
        self.approvers = approvers
        self.client = client
        self.wake = wake
        self.recheck = recheck  # bot.approvals.recheck.Recheck: edited arguments checked for the requester

    async def check(self, user: str, interrupt_id: str, card: tuple | None = None) -> Outcome:
        """The pending approval ``user`` may decide, or the reason they may not (audited).

        ``card``: (channel, ts) of the message clicked; a click counts only for the approval
        that card shows, so a button value copied into another request decides nothing.
        """
        approval = await self.store.get(interrupt_id)
        if card is not None and approval is not None and tuple(card) != (approval.card_channel, approval.card_ts):
            await self.store.refused(approval, user, "wrong_card")
            log.warning("click refused: not this approval's card", extra={"thread_id": approval.thread_id,
                                                                          "user": user})
            return Outcome(None, say.APPROVAL_WRONG_CARD)
        if approval is not None and approval.pending and approval.expires_at \
                and approval.expires_at <= self.store.clock():
            approval = await self._expire(approval) or await self.store.get(interrupt_id)
        if approval is None or not approval.pending:
            return Outcome(approval, gone_message(approval))
        why = await self.approvers.refusal(user, approval.requester)
        if why is not None:
            await self.store.refused(approval, user, why)
            log.info("approval click refused", extra={"thread_id": approval.thread_id, "user": user, "why": why})
            return Outcome(approval, self.approvers.explain(why))
        return Outcome(approval)

    async def decide(self, user: str, interrupt_id: str, *, approve: bool, note: str | None = None,
                     edited_args: dict | None = None, card: tuple | None = None) -> Outcome:
        checked = await self.check(user, interrupt_id, card)
        if not checked.ok:
            return checked
        decided = await self.store.decide(interrupt_id, approve=approve, by=user, note=note, edited_args=edited_args)
        if decided is None:  # someone else was faster (or it expired a moment ago)
            return await self.check(user, interrupt_id)
        self.wake()
        log.info("approval decided", extra={"thread_id": decided.thread_id, "approval_id": decided.approval_id,
                                            "status": decided.status, "by": user})
        return Outcome(decided)

    async def expire_due(self) -> int:
        expired = 0
        for approval in await self.store.due():
            if await self._expire(approval):
                expired += 1
        METRICS.approvals_pending.set(await self.store.pending_count())
        return expired

    async def _expire(self, approval: Approval) -> Approval | None:
        ttl = (approval.expires_at or approval.created_at) - approval.created_at
        note = say.APPROVAL_EXPIRED_NOTE.format(ttl=humanize_seconds(ttl))
        expired = await self.store.expire(approval.interrupt_id, note)
        if expired is not None:
            self.wake()
            log.info("approval expired", extra={"thread_id": expired.thread_id, "approval_id": expired.approval_id})
            await self.show(expired)
        return expired

    # -- Slack follow-ups: best effort, never undo a stored decision ----------------
    async def show(self, approval: Approval) -> None:
        """Redraw the card in its current state (decided cards have no buttons)."""
        if not (approval.card_channel and approval.card_ts):
            return
        await self._best_effort(self.client.chat_update(
            channel=approval.card_channel, ts=approval.card_ts, text=card_text(approval),
            blocks=build_approval_card(approval)), "card update", approval.thread_id)

    async def tell(self, channel: str | None, user: str, text: str, thread_ts: str | None = None) -> None:
        if not channel:
            return
        extra = {"thread_ts": thread_ts} if thread_ts else {}
        await self._best_effort(self.client.chat_postEphemeral(channel=channel, user=user, text=text, **extra),
                                "ephemeral", channel)

    async def _best_effort(self, call, what: str, where: str) -> None:
        try:
            await asyncio.wait_for(call, SLACK_FOLLOW_UP_SECONDS)
        except (SlackApiError, asyncio.TimeoutError, OSError) as exc:
            error = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
            log.warning(f"approval {what} failed", extra={"where": where, "error": error})


def gone_message(approval: Approval | None) -> str:
    outcome = f" ({lowered_outcome(approval)})" if approval is not None and not approval.pending else ""
    return say.APPROVAL_NOT_PENDING.format(outcome=outcome)


def lowered_outcome(approval: Approval) -> str:
    line = outcome_line(approval)
    return line[:1].lower() + line[1:]
