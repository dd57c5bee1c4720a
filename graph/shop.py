"""The demo shop behind the default tools: real rows, real changes, idempotent."""

from __future__ import annotations

import time
from dataclasses import dataclass

from graph.db import Database


class ShopError(Exception):
    """A request the shop refuses; the message is meant for the model and the customer."""

    @property
    def refusal(self) -> str:
        """The sentence a user may read (unlike other exceptions' text, which goes to the log)."""
        return str(self.args[0]) if self.args else ""


# A customer asking about someone else's order gets exactly what a missing order gets.
NOT_ON_ACCOUNT = "I can't find order {order_id} on your account. Please check the number (it looks like 1001)."


def owns(order: dict, owner: str | None) -> bool:
    """``owner`` None: staff, who may see any order."""
    return owner is None or str(order["email"]).lower() == owner.lower()


def refund_problem(order: dict) -> str | None:
    """Why ``order`` cannot be refunded, or None: checked before a card is posted and again in the refund."""
    order_id = order["order_id"]
    if order["status"] == "refunded":
        return f"Order {order_id} has already been refunded."
    if order["status"] not in ("delivered", "shipped"):
        return (f"Order {order_id} is {order['status']}; only shipped or delivered orders "
                "can be refunded (a processing order can be cancelled instead).")
    return None


def cancel_problem(order: dict) -> str | None:
    if order["status"] != "processing":
        return f"Order {order['order_id']} is {order['status']}; only orders still processing can be cancelled."
    return None


@dataclass(frozen=True)
class Effect:
    """Who is causing a change: the key makes a retried tool call find its earlier effect."""

    idempotency_key: str
    thread_id: str | None = None


def money(cents: int) -> str:
    return f"${cents / 100:,.2f}"


class Shop:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def order(self, order_id: int, owner: str | None = None) -> dict:
        return _visible(await self.db.fetchone("shop_get_order", {"order_id": order_id}), order_id, owner)

    async def orders_for(self, email: str) -> list[dict]:
        return await self.db.fetchall("shop_orders_by_email", {"email": email})

    async def refund(self, order_id: int, reason: str, effect: Effect, owner: str | None = None) -> dict:
        async with self.db.transaction() as tx:
            earlier = await tx.fetchone("shop_refund_by_key", {"key": effect.idempotency_key})
            if earlier is not None:
                return {**earlier, "repeated": True}
            order = _visible(await tx.fetchone("shop_get_order", {"order_id": order_id}), order_id, owner)
            if problem := refund_problem(order):
                raise ShopError(problem)
            now = time.time()
            await tx.execute(
                "shop_set_status",
                {"order_id": order_id, "status": "refunded", "expected": order["status"], "now": now},
            )
            row = await tx.fetchone(
                "shop_insert_refund",
                {
                    "order_id": order_id,
                    "amount_cents": order["amount_cents"],
                    "reason": reason,
                    "key": effect.idempotency_key,
                    "thread_id": effect.thread_id,
                    "now": now,
                },
            )
            return {"refund_id": row["refund_id"], "order_id": order_id,
                    "amount_cents": order["amount_cents"], "reason": reason, "repeated": False}

    async def cancel(self, order_id: int, reason: str, effect: Effect, owner: str | None = None) -> dict:
        async with self.db.transaction() as tx:
            earlier = await tx.fetchone("shop_cancellation_by_key", {"key": effect.idempotency_key})
            if earlier is not None:
                return {**earlier, "repeated": True}
            order = _visible(await tx.fetchone("shop_get_order", {"order_id": order_id}), order_id, owner)
            if problem := cancel_problem(order):
                raise ShopError(problem)
            now = time.time()
            await tx.execute(
                "shop_set_status",
                {"order_id": order_id, "status": "cancelled", "expected": "processing", "now": now},
            )
            row = await tx.fetchone(
                "shop_insert_cancellation",
                {"order_id": order_id, "reason": reason, "key": effect.idempotency_key,
                 "thread_id": effect.thread_id, "now": now},
            )
            return {"cancellation_id": row["cancellation_id"], "order_id": order_id, "repeated": False}

    async def open_ticket(self, subject: str, body: str, effect: Effect) -> dict:
        async with self.db.transaction() as tx:
            earlier = await tx.fetchone("shop_ticket_by_key", {"key": effect.idempotency_key})
            if earlier is not None:
                return {**earlier, "repeated": True}
            row = await tx.fetchone(
                "shop_insert_ticket",
                {"subject": subject, "body": body, "key": effect.idempotency_key,
                 "thread_id": effect.thread_id, "now": time.time()},
            )
            return {"ticket_id": row["ticket_id"], "subject": subject, "repeated": False}


def _visible(order: dict | None, order_id: int, owner: str | None) -> dict:
    if order is not None and owns(order, owner):
        return order
    if owner is not None:
        raise ShopError(NOT_ON_ACCOUNT.format(order_id=order_id))
    raise ShopError(f"There is no order {order_id}. Order numbers look like 1001.")
