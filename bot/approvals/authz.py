"""Who may decide an approval, checked on the server for every click.

Approvers are the users in ``SUPPORTBOT_APPROVERS`` and the members of the
user group ``SUPPORTBOT_APPROVER_GROUP`` (``usergroups.users.list``, cached
briefly). The requester never decides their own request. With neither
setting, nobody can approve: requests wait (or expire) until one is set.
"""

from __future__ import annotations

import logging
import time

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages as say

log = logging.getLogger(__name__)

GROUP_CACHE_SECONDS = 60.0

NOT_APPROVER, SELF, NONE_CONFIGURED = "not_approver", "self", "none_configured"


class Approvers:
    def __init__(self, client: AsyncWebClient, users: list[str], group: str | None, clock=time.monotonic) -> None:
        self.client = client
        self.users = set(users)
        self.group = group or None
        self.clock = clock
        self._members: set[str] = set()
        self._fetched_at: float | None = None

    @property
    def configured(self) -> bool:
        return bool(self.users or self.group)

    async def group_members(self) -> set[str]:
        if self.group is None:
            return set()
        now = self.clock()
        if self._fetched_at is not None and now - self._fetched_at < GROUP_CACHE_SECONDS:
            return self._members
        try:
            response = await self.client.usergroups_users_list(usergroup=self.group)
        except SlackApiError as exc:
            # Fail closed: a group we cannot read approves nobody (the list still does).
            log.warning("could not read the approver group", extra={"group": self.group,
                                                                     "error": exc.response.get("error")})
            return set()
        self._members = set(response.get("users") or [])
        self._fetched_at = now
        return self._members

    async def refusal(self, user: str, requester: str | None) -> str | None:
        """None when ``user`` may decide a request by ``requester``; else why not."""
        if not self.configured:
            return NONE_CONFIGURED
        if requester and user == requester:
            return SELF
        if user in self.users or user in await self.group_members():
            return None
        return NOT_APPROVER

    def explain(self, why: str) -> str:
        """What the clicker is told (ephemeral)."""
        if why == SELF:
            return say.APPROVAL_SELF
        if why == NONE_CONFIGURED:
            return say.APPROVAL_NO_APPROVERS
        names = [f"<@{u}>" for u in sorted(self.users)[:5]]
        if self.group:
            names.append(f"<!subteam^{self.group}>")
        return say.APPROVAL_NOT_APPROVER.format(approvers=", ".join(names) or "the approvers")
