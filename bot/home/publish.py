"""Gather what one user's Home tab shows and publish it (``views.publish``).

Published when the user opens the tab and again after they decide an
approval, so a decided request leaves their list. Every listing is read from
the database at that moment; nothing is cached between publishes.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot import messages as say
from bot.approvals.authz import SELF
from bot.approvals.links import Links
from bot.feedback.store import threads_with_vote
from bot.home.view import HomeApproval, HomeData, HomeThread, build_home_view
from bot.operators.access import is_operator
from bot.operators.threads import NeedsDatabase, list_threads
from bot.threads import parse_thread_id

log = logging.getLogger(__name__)

SHOWN_APPROVALS = 20
SHOWN_THREADS = 10
SCANNED_THREADS = 200  # newest threads an operator's list is picked from


async def _link(links: Links, thread_id: str) -> str | None:
    place = parse_thread_id(thread_id)
    return await links.thread(place) if place is not None else None


async def approvals_for(approvals, user: str) -> list[HomeApproval] | None:
    """Pending requests ``user`` may decide, plus their own (without buttons); None for a non-approver."""
    if approvals is None:
        return None
    approvers = approvals.approvers
    if user not in approvers.users and user not in await approvers.group_members():
        return None
    shown = []
    for approval in await approvals.store.pending():
        why = await approvers.refusal(user, approval.requester)
        if why is None or why == SELF:
            shown.append(HomeApproval(approval, may_decide=why is None))
    return shown[:SHOWN_APPROVALS]


async def operator_threads(storage, links: Links) -> list[HomeThread]:
    negative = set(await threads_with_vote(storage.db, "negative"))
    rows = await list_threads(storage, limit=SCANNED_THREADS)
    found = []
    for row in rows:
        reasons = [say.HOME_OPERATOR_REASONS[row.status]] if row.status in ("waiting", "error") else []
        if row.thread_id in negative:
            reasons.append(say.HOME_OPERATOR_REASONS["negative"])
        if reasons:
            found.append(HomeThread(row.thread_id, await _link(links, row.thread_id), ", ".join(reasons)))
        if len(found) >= SHOWN_THREADS:
            break
    return found


async def own_threads(storage, links: Links, user: str) -> list[HomeThread]:
    rows = await list_threads(storage, users=[user], limit=SHOWN_THREADS)
    return [HomeThread(r.thread_id, await _link(links, r.thread_id), f"last activity {r.last_activity}")
            for r in rows]


async def gather(deps, user: str) -> HomeData:
    storage = deps.agent.storage
    links = Links(deps.client)
    data = HomeData(user, approvals=await approvals_for(deps.approvals, user))
    operator = is_operator(deps.settings, user)
    try:
        if operator:
            data.operator_threads = await operator_threads(storage, links)
        data.mine = await own_threads(storage, links, user)
    except NeedsDatabase:  # memory:// keeps no tables to list threads from
        data.operator_threads = [] if operator else None
    return data


async def publish_home(deps, user: str) -> None:
    """Best effort: a Home that cannot be drawn now is drawn the next time it is opened."""
    try:
        view = build_home_view(await gather(deps, user))
        await deps.client.views_publish(user_id=user, view=view)
    except SlackApiError as exc:
        log.warning("could not publish the Home tab", extra={"user": user, "error": exc.response.get("error")})
