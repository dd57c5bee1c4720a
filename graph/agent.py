"""The support agent graph: agent ⇄ tools, one tool execution per tool call.

Tool calls fan out with ``Send`` so that parallel calls are separate tasks:
each can pause for approval on its own (``interrupt`` ids), and when one fails
and is retried, LangGraph keeps the pending writes of those that succeeded.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from typing import Iterable, Sequence

import psycopg

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Send

from graph import customer
from graph.approval import request_approval
from graph.retry import is_transient, model_retry_policy, tool_retry_policy
from graph.shop import Shop, ShopError
from graph.state import RunContext, SupportState, ToolTask
from graph.tools import DEFAULT_TOOLS, ToolArgumentError, ToolCallInfo, ToolSpec, execute, validate

log = logging.getLogger(__name__)

LOCAL = RunContext(requester="local", staff=True)

# The tool result (for the model, never shown as is) of an approved action that raised.
ACTION_FAILED = "Error: the approved {tool} failed when carried out ({error}), so nothing was changed."

SYSTEM_PROMPT = (
    "You are a friendly, concise customer-support agent for a small online shop. "
    "Use the tools to look up, refund or cancel orders and to open tickets; never invent order data. "
    "Refunds and cancellations need a human's approval: say so when you request one. "
    "Answer in short Markdown."
)


def system_message(state: SupportState, prompt: str = SYSTEM_PROMPT) -> SystemMessage:
    parts = [prompt]
    known = customer.describe(state)
    if known:
        parts.append(f"Known about the customer: {known}.")
    if state.get("summary"):
        parts.append("Summary of the earlier conversation:\n" + state["summary"])
    return SystemMessage(content="\n\n".join(parts), id="system")


def model_context(state: SupportState, prompt: str = SYSTEM_PROMPT) -> list:
    """Exactly what the model is given for a turn."""
    return [system_message(state, prompt), *state.get("messages", [])]


def build_graph(
    checkpointer: BaseCheckpointSaver | None,
    *,
    model: BaseChatModel,
    shop: Shop,
    tools: Sequence[ToolSpec] = DEFAULT_TOOLS,
    prompt: str = SYSTEM_PROMPT,
    summarizer=None,
    model_retry=None,
    tool_retry=None,
    model_timeout: float | None = None,
):
    """Compile the agent. ``summarizer`` (optional) is a node run before each model call.
    ``model_timeout``: seconds one model call may take, streamed or not (see graph/retry.py)."""
    by_name = {spec.name: spec for spec in tools}
    bound = model.bind_tools([spec.as_langchain_tool() for spec in tools])

    async def agent(state: SupportState) -> dict:
        learnt = customer.learn(state.get("messages", []))
        view = {**state, **{k: v for k, v in learnt.items() if v}}
        # The HTTP client's timeout bounds each read, not the call: a server that trickles
        # bytes would hold a streamed call open for ever. TimeoutError is retryable.
        async with asyncio.timeout(model_timeout):
            reply = await bound.ainvoke(model_context(view, prompt))
        return {"messages": [reply], **learnt}

    async def tool(task: ToolTask, config: RunnableConfig, runtime: Runtime[RunContext]) -> dict:
        call = task["call"]
        thread_id = config.get("configurable", {}).get("thread_id")
        spec = by_name.get(call["name"])
        if spec is None:
            return _result(call, f"Error: there is no tool named {call['name']!r}.", "error")
        # No context at all: the graph is driven locally (a script, a test, a benchmark), by
        # someone with the database in hand. Every Slack run carries one (bot/turn.py), and a
        # RunContext without an identity is a stranger to the shop.
        context = runtime.context or LOCAL
        info = ToolCallInfo(thread_id, call["id"], context)
        try:
            args = validate(spec, call.get("args") or {})
            if spec.requires_approval:
                # Nothing with a side effect above this line: on resume the node re-runs from its top.
                # The pre-check only reads: an action that cannot succeed is answered now, with no card.
                order = await spec.check(shop, args, info) if spec.check else None
                decision = request_approval(spec, args, call, thread_id, context, order)
                if not decision.approved:
                    # status "error" tells the model the action did not happen; the artifact (never
                    # sent to the model) tells statistics that a human decided so, not a failure.
                    return _result(call, decision.as_tool_result(), "error", artifact={"rejected": True})
                args = decision.args if decision.args is not None else args
        except ToolArgumentError as exc:
            return _result(call, f"Error: {exc}", "error")
        except ShopError as exc:
            return _result(call, f"Error: {exc}", "error")
        try:
            text = await execute(spec, shop, args, info)
        except Exception as exc:
            if not spec.requires_approval or _passing(exc):
                raise
            # A human decided, so the run must go on: raising would fail the resume again and
            # again while the thread holds every later message. The model is told instead.
            log.warning("approved tool failed", extra={"thread_id": thread_id, "tool": spec.name,
                                                       "error": type(exc).__name__})
            # The artifact (never sent to the model) tells the bot to mark the card as failed.
            return _result(call, ACTION_FAILED.format(tool=spec.name, error=type(exc).__name__), "error",
                           artifact={"failed": type(exc).__name__})
        update: dict = {"messages": [ToolMessage(content=text, tool_call_id=call["id"], name=spec.name,
                                                 status="error" if text.startswith("Error:") else "success")]}
        order_id = getattr(args, "order_id", None)
        if order_id is not None and not text.startswith("Error:"):
            update["current_order"] = str(order_id)
        return update

    def route(state: SupportState):
        last = state["messages"][-1] if state.get("messages") else None
        if not isinstance(last, AIMessage) or not last.tool_calls:
            return END
        return [Send(_tool_node(by_name.get(c["name"])), {"call": c}) for c in last.tool_calls]

    builder = StateGraph(SupportState, context_schema=RunContext)
    builder.add_node("agent", agent, retry_policy=model_retry or model_retry_policy())
    builder.add_node("tools", tool, retry_policy=tool_retry or tool_retry_policy())
    builder.add_node("tools_once", tool)
    if summarizer is not None:
        builder.add_node("summarize", summarizer)
        builder.add_edge(START, "summarize")
        builder.add_edge("summarize", "agent")
        builder.add_edge("tools", "summarize")
        builder.add_edge("tools_once", "summarize")
    else:
        builder.add_edge(START, "agent")
        builder.add_edge("tools", "agent")
        builder.add_edge("tools_once", "agent")
    builder.add_conditional_edges("agent", route, ["tools", "tools_once", END])
    return builder.compile(checkpointer=checkpointer)


def _passing(exc: BaseException) -> bool:
    """A failure a later run may not meet (connection lost, database locked): the worker retries it."""
    return is_transient(exc) or isinstance(exc, (OSError, psycopg.OperationalError, sqlite3.OperationalError))


def _tool_node(spec: ToolSpec | None) -> str:
    return "tools" if spec is None or spec.retry_safe else "tools_once"


def _result(call: dict, text: str, status: str, artifact: dict | None = None) -> dict:
    return {"messages": [ToolMessage(content=text, tool_call_id=call["id"], name=call["name"], status=status,
                                     artifact=artifact)]}


def human_message(text: str, message_id: str | None = None, **extra) -> HumanMessage:
    """A user's message; ``message_id`` derived from its source (Slack ts) makes replays idempotent."""
    return HumanMessage(content=text, id=message_id, **extra)


def last_answer(messages: Iterable) -> AIMessage | None:
    for message in reversed(list(messages)):
        if isinstance(message, AIMessage) and not message.tool_calls:
            return message
        if isinstance(message, HumanMessage):
            return None
    return None
