"""Hook approvals into the running service (called by ``bot.wiring._attach_optional``).

Sets the worker's pause handler, puts ``Approvals`` where the listeners find it
(``deps.extras["approvals"]``) and starts the expiry sweep. Listeners register
through ``bot/listeners/{actions,views}``; nothing is registered on Bolt here.
"""

from __future__ import annotations

import logging

from bot.approvals.authz import Approvers
from bot.approvals.decisions import Approvals
from bot.approvals.expiry import expire_loop, sweep_interval
from bot.approvals.links import Links
from bot.approvals.pauses import ApprovalPauses
from bot.approvals.store import ApprovalStore
from graph.shop import Shop

log = logging.getLogger(__name__)

EXTRAS_KEY = "approvals"


def attach(service) -> Approvals:
    settings = service.settings
    db = service.agent.storage.db
    store = ApprovalStore(db, service.inbox)
    service.runner.pauses = ApprovalPauses(
        store, service.slack, Shop(db), Links(service.client),
        channel=settings.supportbot_approval_channel, ttl=settings.supportbot_approval_ttl)
    approvers = Approvers(service.client, settings.supportbot_approvers, settings.supportbot_approver_group)
    if not approvers.configured:
        log.warning("no approvers configured: set SUPPORTBOT_APPROVERS or SUPPORTBOT_APPROVER_GROUP, "
                    "or risky tool calls wait for a decision nobody can make")
    # deps.wake is replaced once the worker pool starts: look it up at call time.
    approvals = Approvals(store, approvers, service.client, wake=lambda: service.deps.wake())
    service.deps.extras[EXTRAS_KEY] = approvals
    service.spawn(expire_loop(approvals, sweep_interval(settings.supportbot_approval_ttl), service.stopping),
                      name="approvals-expiry")
    return approvals
