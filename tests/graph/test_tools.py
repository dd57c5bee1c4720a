"""The demo shop tools against the seeded orders 1001-1010, on every backend."""

from __future__ import annotations

import pytest
from langchain_core.messages import ToolMessage

from graph.agent import build_graph, human_message
from graph.state import RunContext
from graph.tools import DEFAULT_TOOLS, ToolCallInfo, execute, validate
from tests.graph.scripted import ScriptedModel, thread, tool_call

TOOLS = {spec.name: spec for spec in DEFAULT_TOOLS}
STAFF = RunContext(requester="UAGENT", staff=True)


async def run_tool(shop, name: str, args: dict, call_id: str = "call_1", caller: RunContext = STAFF) -> str:
    spec = TOOLS[name]
    return await execute(spec, shop, validate(spec, args), ToolCallInfo("test:1", call_id, caller))


async def status(storage, order_id: int) -> str:
    return (await storage.db.fetchone("shop_get_order", {"order_id": order_id}))["status"]


async def refunds(storage, order_id: int) -> int:
    return (await storage.db.fetchone("shop_count_refunds", {"order_id": order_id}))["n"]


@pytest.mark.parametrize("order_id", [1003, "1003", "#1003"])
async def test_lookup_order_describes_the_seeded_order(shop, order_id):
    assert await run_tool(shop, "lookup_order", {"order_id": order_id}) == (
        "Order 1003: Noise-cancelling headphones for Alan Turing (alan@example.com), "
        "$249.00, status: processing."
    )


async def test_list_orders_finds_every_order_of_an_email_whatever_its_case(shop):
    text = await run_tool(shop, "list_orders", {"email": "ADA@example.com"})
    assert [line.split(":")[0] for line in text.splitlines()] == ["Order 1001", "Order 1002"]


async def test_list_orders_says_when_an_email_has_none(shop):
    assert await run_tool(shop, "list_orders", {"email": "nobody@example.com"}) == (
        "No orders found for nobody@example.com."
    )


async def test_create_ticket_opens_one_ticket_per_tool_call(shop):
    args = {"subject": "Broken hub", "body": "It sparks."}
    first = await run_tool(shop, "create_ticket", args, "call_1")
    assert first.startswith("Ticket #") and first.endswith("opened: Broken hub.")
    assert await run_tool(shop, "create_ticket", args, "call_1") == first
    assert await run_tool(shop, "create_ticket", args, "call_2") != first


async def test_refund_marks_the_order_refunded_and_records_the_refund(storage, shop):
    text = await run_tool(shop, "refund_order", {"order_id": 1001, "reason": "arrived broken"})
    assert text.startswith("Refunded order 1001: $129.00 (refund #")
    assert await status(storage, 1001) == "refunded"
    row = await storage.db.fetchone("shop_refund_for_order", {"order_id": 1001})
    assert (row["amount_cents"], row["reason"]) == (12900, "arrived broken")


async def test_repeating_a_refund_tool_call_does_not_refund_twice(storage, shop):
    args = {"order_id": 1002, "reason": "late"}
    first = await run_tool(shop, "refund_order", args, "call_1")
    assert await run_tool(shop, "refund_order", args, "call_1") == first
    assert await refunds(storage, 1002) == 1


async def test_a_new_refund_of_a_refunded_order_is_refused(storage, shop):
    await run_tool(shop, "refund_order", {"order_id": 1002, "reason": "late"}, "call_1")
    again = await run_tool(shop, "refund_order", {"order_id": 1002, "reason": "late"}, "call_2")
    assert again == "Error: Order 1002 has already been refunded."
    assert await refunds(storage, 1002) == 1


async def test_a_processing_order_cannot_be_refunded(storage, shop):
    text = await run_tool(shop, "refund_order", {"order_id": 1003, "reason": "changed my mind"})
    assert text.startswith("Error: Order 1003 is processing; only shipped or delivered orders can be refunded")
    assert (await status(storage, 1003), await refunds(storage, 1003)) == ("processing", 0)


@pytest.mark.parametrize(
    "order_id, was, answer, now",
    [
        (1003, "processing", "Cancelled order 1003.", "cancelled"),
        (1001, "delivered", "Error: Order 1001 is delivered; only orders still processing can be cancelled.",
         "delivered"),
        (1008, "cancelled", "Error: Order 1008 is cancelled; only orders still processing can be cancelled.",
         "cancelled"),
    ],
)
async def test_cancel_applies_only_to_processing_orders(storage, shop, order_id, was, answer, now):
    assert await status(storage, order_id) == was
    assert await run_tool(shop, "cancel_order", {"order_id": order_id, "reason": "not needed"}) == answer
    assert await status(storage, order_id) == now


@pytest.mark.parametrize(
    "name, args, error",
    [
        ("lookup_order", {"order_id": 9999}, "Error: There is no order 9999."),
        ("lookup_order", {"order_id": "abc"}, "Error: Invalid arguments for lookup_order: order_id: "),
        ("list_orders", {"email": "not-an-email"}, "Error: Invalid arguments for list_orders: email: "),
        ("refund_order", {"order_id": 1001}, "Error: Invalid arguments for refund_order: reason: Field required"),
        ("cancel_order", {"order_id": 1003, "reason": ""}, "Error: Invalid arguments for cancel_order: reason: "),
        ("drop_tables", {}, "Error: there is no tool named 'drop_tables'."),
    ],
    ids=["unknown-order", "non-numeric-id", "bad-email", "missing-reason", "empty-reason", "unknown-tool"],
)
async def test_bad_tool_arguments_reach_the_model_as_an_error_message(storage, shop, name, args, error):
    model = ScriptedModel(replies=[tool_call(name, args)])
    graph = build_graph(storage.checkpointer, model=model, shop=shop)

    result = await graph.ainvoke({"messages": [human_message("help")]}, thread("t"))

    assert "__interrupt__" not in result  # refused before any approval is asked for
    told = model.prompts[1][-1]
    assert isinstance(told, ToolMessage) and told.status == "error" and told.tool_call_id == "call_1"
    assert told.content.startswith(error)
    assert result["messages"][-1].content == "done"
    assert (await status(storage, 1001), await status(storage, 1003)) == ("delivered", "processing")
