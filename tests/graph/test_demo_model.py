"""The offline demo model's rules, as pure functions of the messages it is shown."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from graph.agent import system_message
from graph.demo_model import DemoChatModel
from graph.tools import DEFAULT_TOOLS

MODEL = DemoChatModel().bind_tools([spec.as_langchain_tool() for spec in DEFAULT_TOOLS])


def reply(*messages) -> AIMessage:
    return MODEL.invoke(list(messages))


def called(message: AIMessage) -> tuple[str, dict]:
    (call,) = message.tool_calls
    return call["name"], call["args"]


@pytest.mark.parametrize(
    "text, tool, args",
    [
        ("Where is order 1003?", "lookup_order", {"order_id": 1003}),
        ("status of #1007 please", "lookup_order", {"order_id": 1007}),
        ("refund order 1001, it broke", "refund_order", {"order_id": 1001, "reason": "refund order 1001, it broke"}),
        ("I want my money back for 1002", "refund_order",
         {"order_id": 1002, "reason": "I want my money back for 1002"}),
        ("cancel 1005", "cancel_order", {"order_id": 1005, "reason": "cancel 1005"}),
        ("my orders please, ada@example.com", "list_orders", {"email": "ada@example.com"}),
        ("the hub is broken", "create_ticket", {"subject": "the hub is broken", "body": "the hub is broken"}),
    ],
)
def test_requests_become_tool_calls(text, tool, args):
    assert called(reply(HumanMessage(text))) == (tool, args)


@pytest.mark.parametrize(
    "text, answer",
    [
        ("my name is Ada Lovelace", "Nice to meet you, Ada Lovelace! How can I help you today?"),
        ("refund please", "Which order would you like me to refund? Please give its number, e.g. 1003."),
        ("hello", "Hello! I can check an order, refund or cancel it, or open a ticket."),
        ("what's my name?", "I don't know your name yet. You can tell me with \"my name is …\"."),
    ],
)
def test_other_messages_get_a_text_answer(text, answer):
    message = reply(HumanMessage(text))
    assert (message.content, message.tool_calls) == (answer, [])


def test_anything_else_gets_examples_of_what_it_can_do():
    assert "refund order 1001" in reply(HumanMessage("what is the meaning of life")).content


def test_the_name_comes_from_an_earlier_message():
    history = [HumanMessage("call me Grace"), AIMessage("Nice to meet you, Grace!"), HumanMessage("who am i?")]
    assert reply(*history).content == "Your name is Grace."


def test_the_name_comes_from_the_system_prompt_once_the_message_is_gone():
    known = system_message({"customer_name": "Grace Hopper"})
    assert reply(known, HumanMessage("do you remember my name?")).content == "Your name is Grace Hopper."


def test_a_refund_without_a_number_uses_the_current_order():
    known = system_message({"customer_email": "ada@example.com", "current_order": "1004"})
    assert called(reply(known, HumanMessage("please refund it"))) == (
        "refund_order", {"order_id": 1004, "reason": "please refund it"})


def test_a_tool_that_is_not_bound_is_not_called():
    lookup_only = DemoChatModel().bind_tools([DEFAULT_TOOLS[0].as_langchain_tool()])
    answer = lookup_only.invoke([HumanMessage("cancel order 1005")])
    assert (answer.content, answer.tool_calls) == ("I can't do that here (cancel_order is not available).", [])


def test_the_same_conversation_gives_the_same_tool_call_id():
    ask = HumanMessage("where is order 1003?")
    first, again = reply(ask), reply(ask)
    other = reply(HumanMessage("where is order 1004?"))
    assert first.tool_calls[0]["id"] == again.tool_calls[0]["id"] != other.tool_calls[0]["id"]


@pytest.mark.parametrize(
    "result, answer",
    [
        ("Cancelled order 1005.", "Cancelled order 1005."),
        ("Error: There is no order 9999.", "Sorry, I couldn't do that. There is no order 9999."),
        ("Rejected by U2: no. The action was not carried out.",
         "That request was not approved. Rejected by U2: no. The action was not carried out."),
    ],
)
def test_tool_results_are_reported_back(result, answer):
    asked = AIMessage("", tool_calls=[{"name": "cancel_order", "args": {}, "id": "c1", "type": "tool_call"}])
    assert reply(HumanMessage("cancel 1005"), asked, ToolMessage(result, tool_call_id="c1")).content == answer
