"""The agent's tools. Adding one is a change to this file: an args model, an
async function, and one ``ToolSpec`` line in ``DEFAULT_TOOLS``.

``requires_approval=True`` makes the tool node pause with ``interrupt()`` for a
human decision before the tool runs (see ``graph/approval.py``).
``retry_safe`` says whether LangGraph may simply re-run the tool after a
transient failure (read-only tools, or writes that are idempotent by key).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Awaitable, Callable

from langchain_core.tools import StructuredTool
from pydantic import BaseModel, Field, ValidationError, field_validator

from graph.shop import Effect, Shop, ShopError, cancel_problem, money, refund_problem
from graph.state import RunContext

UNVERIFIED = ("I couldn't verify your account: your Slack profile shows no email address I can match to "
              "orders, so I can't look up or change orders for you here. I can open a ticket so that a "
              "person follows up with you instead.")
OTHER_EMAIL = "I can only list the orders on your own account, {email}."


class OrderId(BaseModel):
    order_id: int = Field(description="The order number, e.g. 1003", gt=0, lt=2**31)

    @field_validator("order_id", mode="before")
    @classmethod
    def _strip_hash(cls, value):
        if isinstance(value, bool):  # pydantic would read True as order 1
            raise ValueError("an order number is a whole number, e.g. 1003")
        if isinstance(value, str):
            value = value.strip().lstrip("#")
        return value


class OrderChange(OrderId):
    reason: str = Field(description="Why the customer wants this, in their words", min_length=1, max_length=500)


class Email(BaseModel):
    email: str = Field(description="The customer's email address", pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Ticket(BaseModel):
    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=4000)


@dataclass(frozen=True)
class ToolCallInfo:
    thread_id: str | None
    tool_call_id: str
    caller: RunContext = field(default_factory=RunContext)  # who asked: the run's context, not the model

    @property
    def owner(self) -> str | None:
        """Whose orders this call may touch (None: staff, anyone's); refuses an unverified caller."""
        if not self.caller.verified:
            raise ShopError(UNVERIFIED)
        return self.caller.owner

    @property
    def effect(self) -> Effect:
        return Effect(f"{self.thread_id}:{self.tool_call_id}", self.thread_id)


ToolFn = Callable[[Shop, BaseModel, ToolCallInfo], Awaitable[str]]
# Everything the tool will check, run before an approval is asked for; raises ShopError.
CheckFn = Callable[[Shop, BaseModel, ToolCallInfo], Awaitable[dict | None]]


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    args: type[BaseModel]
    run: ToolFn
    requires_approval: bool = False
    retry_safe: bool = True
    check: CheckFn | None = None

    def as_langchain_tool(self) -> StructuredTool:
        """Only the schema the model sees; execution goes through ``execute``."""

        async def _unused(**_):  # pragma: no cover - never called
            raise RuntimeError("tools run through graph.tools.execute")

        return StructuredTool.from_function(
            coroutine=_unused, name=self.name, description=self.description, args_schema=self.args
        )


class ToolArgumentError(Exception):
    pass


def validate(spec: ToolSpec, raw_args: dict) -> BaseModel:
    try:
        return spec.args.model_validate(raw_args or {})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}" for e in exc.errors()
        )
        raise ToolArgumentError(f"Invalid arguments for {spec.name}: {problems}") from None


async def execute(spec: ToolSpec, shop: Shop, args: BaseModel, info: ToolCallInfo) -> str:
    """Run a tool; refusals come back as text for the model, never as a crash."""
    try:
        return await spec.run(shop, args, info)
    except ShopError as exc:
        return f"Error: {exc}"


def _describe(order: dict) -> str:
    return (
        f"Order {order['order_id']}: {order['item']} for {order['customer_name']} "
        f"({order['email']}), {money(order['amount_cents'])}, status: {order['status']}."
    )


async def lookup_order(shop: Shop, args: OrderId, info: ToolCallInfo) -> str:
    return _describe(await shop.order(args.order_id, info.owner))


async def list_orders(shop: Shop, args: Email, info: ToolCallInfo) -> str:
    owner = info.owner
    if owner is not None and args.email.lower() != owner.lower():
        raise ShopError(OTHER_EMAIL.format(email=owner))
    orders = await shop.orders_for(args.email)
    if not orders:
        return f"No orders found for {args.email}."
    return "\n".join(_describe(o) for o in orders)


async def create_ticket(shop: Shop, args: Ticket, info: ToolCallInfo) -> str:
    ticket = await shop.open_ticket(args.subject, args.body, info.effect)
    return f"Ticket #{ticket['ticket_id']} opened: {ticket['subject']}."


async def check_refund(shop: Shop, args: OrderChange, info: ToolCallInfo) -> dict:
    """The order, when refunding it can succeed for this caller."""
    order = await shop.order(args.order_id, info.owner)
    if problem := refund_problem(order):
        raise ShopError(problem)
    return order


async def check_cancel(shop: Shop, args: OrderChange, info: ToolCallInfo) -> dict:
    order = await shop.order(args.order_id, info.owner)
    if problem := cancel_problem(order):
        raise ShopError(problem)
    return order


async def refund_order(shop: Shop, args: OrderChange, info: ToolCallInfo) -> str:
    refund = await shop.refund(args.order_id, args.reason, info.effect, info.owner)
    return f"Refunded order {args.order_id}: {money(refund['amount_cents'])} (refund #{refund['refund_id']})."


async def cancel_order(shop: Shop, args: OrderChange, info: ToolCallInfo) -> str:
    await shop.cancel(args.order_id, args.reason, info.effect, info.owner)
    return f"Cancelled order {args.order_id}."


DEFAULT_TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec("lookup_order", "Look up one order's item, amount and status by its number.", OrderId, lookup_order),
    ToolSpec("list_orders", "List the orders placed with an email address.", Email, list_orders),
    ToolSpec("create_ticket", "Open a support ticket for a human to follow up.", Ticket, create_ticket),
    ToolSpec("refund_order", "Refund a shipped or delivered order in full.", OrderChange, refund_order,
             requires_approval=True, check=check_refund),
    ToolSpec("cancel_order", "Cancel an order that is still processing.", OrderChange, cancel_order,
             requires_approval=True, check=check_cancel),
)
