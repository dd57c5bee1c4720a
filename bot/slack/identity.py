"""Who a Slack user is, for the shop: their profile email (``users.info``, scope
``users:read.email``), looked up once and cached for a while.

``Directory.identify(user)`` → ``Identity`` (email or None, display name, staff or
not). Staff are the approvers, the operators and ``SUPPORTBOT_STAFF``. A user
with no email Slack will show us (a guest, a missing scope, ``user_not_found``)
gets ``email=None``: they can still talk to the bot, and order tools tell them
their account could not be verified. Slack being unreachable is not cached,
so the next turn asks again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

MAX_CACHED = 50_000


@dataclass(frozen=True)
class Identity:
    user: str
    email: str | None
    name: str | None
    staff: bool

    @property
    def verified(self) -> bool:
        return self.staff or bool(self.email)


class Directory:
    def __init__(self, client: AsyncWebClient, staff: set[str] | frozenset[str], ttl: float,
                 clock=time.monotonic) -> None:
        self.client = client
        self.staff = frozenset(staff)
        self.ttl = ttl
        self.clock = clock
        self._cache: dict[str, tuple[float, str | None, str | None]] = {}  # user -> (at, email, name)
        # One users.info in flight per user: a burst of one user's threads (each its own run)
        # would otherwise ask Slack once per thread before the first answer is cached.
        self._asking: dict[str, asyncio.Future] = {}

    async def identify(self, user: str | None) -> Identity:
        if not user or user in ("unknown", "anonymous"):
            return Identity(user or "unknown", None, None, False)
        email, name = await self.profile(user)
        return Identity(user, email, name, user in self.staff)

    async def profile(self, user: str) -> tuple[str | None, str | None]:
        """(email, display name) from ``users.info``, cached for ``ttl`` seconds."""
        now = self.clock()
        cached = self._cache.get(user)
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1], cached[2]
        while (asking := self._asking.get(user)) is not None:
            try:
                return await asyncio.shield(asking)
            except asyncio.CancelledError:
                if not asking.cancelled():
                    raise  # this caller was cancelled, not the lookup it waited for
                # the asking caller was cancelled or failed: ask again
        self._asking[user] = asking = asyncio.get_running_loop().create_future()
        try:
            result = await self._ask(user, now)
        except BaseException:
            asking.cancel()
            raise
        else:
            asking.set_result(result)
            return result
        finally:
            del self._asking[user]

    async def _ask(self, user: str, now: float) -> tuple[str | None, str | None]:
        try:
            response = await self.client.users_info(user=user)
        except SlackApiError as exc:
            error = exc.response.get("error")
            log.info("no profile for user", extra={"user": user, "error": error})
            self._remember(user, now, None, None)
            return None, None
        except OSError as exc:  # Slack unreachable: unverified for now, asked again next time
            log.warning("could not reach users.info", extra={"user": user, "error": type(exc).__name__})
            return None, None
        info = response.get("user") or {}
        profile = info.get("profile") or {}
        email = (profile.get("email") or "").strip() or None
        name = profile.get("real_name") or info.get("real_name") or None
        if info.get("deleted") or info.get("is_bot"):
            email = None
        self._remember(user, now, email, name)
        return email, name

    def forget(self, user: str) -> None:
        self._cache.pop(user, None)

    def _remember(self, user: str, now: float, email: str | None, name: str | None) -> None:
        if len(self._cache) >= MAX_CACHED:
            self._cache.pop(next(iter(self._cache)))
        self._cache[user] = (now, email, name)
