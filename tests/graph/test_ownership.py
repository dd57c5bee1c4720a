"""Customers see and act on their own orders only; staff on anyone's; strangers on none.

The identity comes from the run's context (RunContext.customer_email / staff),
never from the model's arguments. The approval gate runs the tool's checks
before ``interrupt()``: an action that cannot succeed pauses nothing.
"""

from __future__ import annotations

import pytest
from langchain_core.messages import ToolMessage

from graph.agent import build_graph, human_message
from graph.state import RunContext
from graph.tools import DEFAULT_TOOLS, UNVERIFIED, ToolArgumentError, ToolCallInfo, execute, validate
from tests.graph.scripted import ScriptedModel, thread, tool_call

TOOLS = {spec.name: spec for spec in DEFAULT_TOOLS}
ADA = RunContext(requester="UADA", customer_email="ada@example.com")
ALAN = RunContext(requester="UALAN", customer_email="Alan@Example.com")
STAFF = RunContext(requester="UAGENT", staff=True)
STRANGER = RunContext(requester="UGUEST")


async def run_tool(shop, caller: RunContext, name: str, args: dict, call_id: str = "call_1") -> str:
    spec = TOOLS[name]
    return await execute(spec, shop, validate(spec, args), ToolCallInfo("test:1", call_id, caller))


async def test_a_customer_sees_their_own_order(shop):
    assert (await run_tool(shop, ALAN, "lookup_order", {"order_id": 1003})).startswith(
        "Order 1003: Noise-cancelling headphones for Alan Turing")


async def test_someone_elses_order_reads_exactly_like_a_missing_one(shop):
    foreign = await run_tool(shop, ADA, "lookup_order", {"order_id": 1003})
    missing = await run_tool(shop, ADA, "lookup_order", {"order_id": 9999})
    assert foreign == "Error: I can't find order 1003 on your account. Please check the number (it looks like 1001)."
    assert missing == foreign.replace("1003", "9999")
    for secret in ("Alan", "alan@", "headphones", "processing", "249"):
        assert secret not in foreign


async def test_a_customer_lists_only_their_own_orders(shop):
    own = await run_tool(shop, ADA, "list_orders", {"email": "ADA@example.com"})
    assert [line.split(":")[0] for line in own.splitlines()] == ["Order 1001", "Order 1002"]
    other = await run_tool(shop, ADA, "list_orders", {"email": "grace@example.com"})
    assert other == "Error: I can only list the orders on your own account, ada@example.com."


@pytest.mark.parametrize("name, args", [("refund_order", {"order_id": 1004, "reason": "x"}),
                                        ("cancel_order", {"order_id": 1003, "reason": "x"})])
async def test_a_customer_cannot_change_someone_elses_order(storage, shop, name, args):
    text = await run_tool(shop, ADA, name, args)
    assert text.startswith(f"Error: I can't find order {args['order_id']} on your account")
    row = await storage.db.fetchone("shop_get_order", {"order_id": args["order_id"]})
    assert row["status"] in ("delivered", "processing")


async def test_staff_may_look_up_any_order_and_list_any_email(shop):
    assert "Alan Turing (alan@example.com)" in await run_tool(shop, STAFF, "lookup_order", {"order_id": 1003})
    assert "Order 1004" in await run_tool(shop, STAFF, "list_orders", {"email": "grace@example.com"})


@pytest.mark.parametrize("name, args", [("lookup_order", {"order_id": 1001}),
                                        ("list_orders", {"email": "ada@example.com"}),
                                        ("refund_order", {"order_id": 1001, "reason": "x"})])
async def test_a_user_without_a_verified_email_is_told_so_and_offered_a_ticket(shop, name, args):
    text = await run_tool(shop, STRANGER, name, args)
    assert text == f"Error: {UNVERIFIED}"
    assert "ticket" in text
    ticket = await run_tool(shop, STRANGER, "create_ticket", {"subject": "help", "body": "my order"})
    assert ticket.startswith("Ticket #")


@pytest.mark.parametrize("order_id", [-1, 0, True, "true"])
def test_order_ids_that_are_not_order_numbers_are_refused(order_id):
    with pytest.raises(ToolArgumentError, match="Invalid arguments for lookup_order: order_id"):
        validate(TOOLS["lookup_order"], {"order_id": order_id})


@pytest.mark.parametrize("caller, args, refusal", [
    (ADA, {"order_id": 1003, "reason": "x"}, "I can't find order 1003 on your account"),
    (STAFF, {"order_id": 1003, "reason": "x"}, "Order 1003 is processing"),
    (STAFF, {"order_id": 9999, "reason": "x"}, "There is no order 9999"),
    (STRANGER, {"order_id": 1001, "reason": "x"}, "I couldn't verify your account"),
], ids=["foreign", "still-processing", "missing", "unverified"])
async def test_a_refund_that_cannot_succeed_is_answered_without_a_pause(storage, shop, caller, args, refusal):
    model = ScriptedModel(replies=[tool_call("refund_order", args)])
    graph = build_graph(storage.checkpointer, model=model, shop=shop)
    result = await graph.ainvoke({"messages": [human_message("refund")]}, thread("t"), context=caller)
    assert "__interrupt__" not in result
    told = model.prompts[1][-1]
    assert isinstance(told, ToolMessage) and told.status == "error" and refusal in told.content


async def test_a_refund_of_an_already_refunded_order_is_answered_without_a_pause(storage, shop):
    await run_tool(shop, STAFF, "refund_order", {"order_id": 1001, "reason": "first"}, "call_0")
    model = ScriptedModel(replies=[tool_call("refund_order", {"order_id": 1001, "reason": "again"})])
    graph = build_graph(storage.checkpointer, model=model, shop=shop)
    result = await graph.ainvoke({"messages": [human_message("refund")]}, thread("t"), context=ADA)
    assert "__interrupt__" not in result
    assert "already been refunded" in model.prompts[1][-1].content


async def test_an_action_that_can_succeed_pauses_and_names_whose_order_it_is(storage, shop):
    model = ScriptedModel(replies=[tool_call("refund_order", {"order_id": 1001, "reason": "broken"})])
    graph = build_graph(storage.checkpointer, model=model, shop=shop)
    result = await graph.ainvoke({"messages": [human_message("refund")]}, thread("t"), context=ADA)
    (pause,) = result["__interrupt__"]
    assert pause.value["customer"] == {"name": "Ada Lovelace", "email": "ada@example.com", "requester_owns": True}
    assert pause.value["requester"] == "UADA"
