"""Edited arguments checked the way the tool will check them, for the person who asked.

An approver may change what a tool is given, not who it acts for: the order an
edit names must be one the *requester* may act on (their own, unless they are
staff), and the action must be able to succeed (status, already refunded...).
"""

from __future__ import annotations

from bot.approvals.edit import tool_spec
from bot.approvals.model import Approval
from bot.slack.identity import Directory
from graph.shop import Shop, ShopError
from graph.state import RunContext
from graph.tools import ToolCallInfo


class Recheck:
    def __init__(self, shop: Shop, directory: Directory) -> None:
        self.shop = shop
        self.directory = directory

    async def problem(self, approval: Approval, args: dict) -> str | None:
        """Why the tool would refuse ``args`` (already validated), or None."""
        spec = tool_spec(approval.tool)
        if spec is None or spec.check is None:
            return None
        who = await self.directory.identify(approval.requester)
        caller = RunContext(requester=who.user, customer_email=who.email, staff=who.staff)
        try:
            await spec.check(self.shop, spec.args.model_validate(args), ToolCallInfo(approval.thread_id, "edit", caller))
        except ShopError as exc:
            return exc.refusal
        return None
