"""Retry the failed step only: LangGraph re-runs the node that failed and keeps the
checkpointed work (and the pending writes of parallel siblings) of everything else.

The graph is ``build_graph`` with three custom tools over a fake service that
counts executions, driven by ChatOpenAI (max_retries=0, as in production)
against the fake OpenAI server, on real SQLite and PostgreSQL checkpointers.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from langchain_core.messages import AIMessage, ToolMessage
from langgraph.types import RetryPolicy
from pydantic import BaseModel

from graph.agent import build_graph, human_message, last_answer
from graph.model import make_chat_model
from graph.retry import is_transient, model_retry_policy
from graph.storage import open_storage
from graph.tools import ToolSpec
from tests.fakes.openai_server import Reply
from tests.support.fixtures import database_fixture

CALLS = [{"name": name, "args": {"sku": sku}, "id": f"call_{name}"}
         for name, sku in (("stock", "A1"), ("price", "B2"), ("shipping", "C3"))]
FAST_TOOL_RETRY = RetryPolicy(initial_interval=0.01, max_interval=0.05, max_attempts=3, jitter=False,
                              retry_on=is_transient)


class Sku(BaseModel):
    sku: str


class CountingService:
    """Stands in for the shop: counts executions per tool; ``failures[tool]`` raise first."""

    def __init__(self) -> None:
        self.runs: Counter[str] = Counter()
        self.failures: Counter[str] = Counter()

    async def call(self, tool: str, sku: str) -> str:
        self.runs[tool] += 1
        if self.failures[tool] > 0:
            # Fail only once the siblings are done: LangGraph cancels siblings still
            # in flight when a task fails for good, and those would rightly run again.
            for _ in range(500):
                if all(self.runs[t] for t in ("stock", "price", "shipping") if t != tool):
                    break
                await asyncio.sleep(0.01)
            self.failures[tool] -= 1
            raise ConnectionError(f"{tool} backend reset the connection")
        return f"{tool} of {sku}: ok"


def tool_specs() -> list[ToolSpec]:
    def spec(name: str) -> ToolSpec:
        async def run(service: CountingService, args: Sku, info) -> str:
            return await service.call(name, args.sku)

        return ToolSpec(name, f"Check the {name} of an item.", Sku, run)

    return [spec("stock"), spec("price"), spec("shipping")]


database_url = database_fixture("sqlite", "postgres")


@pytest.fixture
async def agent(database_url, fake_openai):
    """(graph, service): the graph compiled on a real checkpointer with counting tools."""
    service = CountingService()
    model = make_chat_model("sk-test", fake_openai.base_url, "gpt-test", timeout=10)
    async with open_storage(database_url) as storage:
        graph = build_graph(storage.checkpointer, model=model, shop=service, tools=tool_specs(),
                            model_retry=model_retry_policy(max_attempts=4, initial_interval=0.01),
                            tool_retry=FAST_TOOL_RETRY)
        yield graph, service


def config(thread: str) -> dict:
    return {"configurable": {"thread_id": thread}}


def tool_results(messages) -> Counter[str]:
    return Counter(m.tool_call_id for m in messages if isinstance(m, ToolMessage))


async def test_a_parallel_tool_failing_once_is_retried_alone(agent, fake_openai):
    graph, service = agent
    service.failures["shipping"] = 1
    fake_openai.queue(Reply(tool_calls=CALLS), "All three checked.")

    state = await graph.ainvoke({"messages": [human_message("check A1, B2, C3", "m1")]}, config("t1"))

    assert service.runs == {"stock": 1, "price": 1, "shipping": 2}
    assert fake_openai.calls == 2
    assert last_answer(state["messages"]).content == "All three checked."
    assert tool_results(state["messages"]) == {c["id"]: 1 for c in CALLS}


async def test_after_tool_retries_run_out_resuming_runs_only_the_failed_tool(agent, fake_openai):
    graph, service = agent
    service.failures["price"] = 3  # more than FAST_TOOL_RETRY's 3 attempts allow
    fake_openai.queue(Reply(tool_calls=CALLS), "Done at last.")

    with pytest.raises(ConnectionError):
        await graph.ainvoke({"messages": [human_message("check A1, B2, C3", "m1")]}, config("t2"))
    assert service.runs == {"stock": 1, "price": 3, "shipping": 1}
    stopped = await graph.aget_state(config("t2"))
    assert stopped.next, "the run stopped mid-way, with tasks left to run"
    # The siblings' results are stored as pending writes of the unfinished step.
    done = [t for t in stopped.tasks if t.error is None and t.result]
    assert len(done) == 2

    service.failures["price"] = 0
    state = await graph.ainvoke(None, config("t2"))  # resume from the checkpoint

    assert service.runs == {"stock": 1, "price": 4, "shipping": 1}, "siblings must not run again"
    assert fake_openai.calls == 2, "the model's earlier step must not run again"
    assert last_answer(state["messages"]).content == "Done at last."
    assert tool_results(state["messages"]) == {c["id"]: 1 for c in CALLS}


async def test_model_503_twice_then_ok_gives_one_answer_without_rerunning_earlier_steps(agent, fake_openai):
    graph, service = agent
    fake_openai.queue(Reply(tool_calls=CALLS))  # first model call: ask for the three tools

    async def fail_the_second_model_call_twice() -> None:
        await fake_openai.await_until(lambda: fake_openai.calls >= 1, 10)
        fake_openai.fail_next(2, 503)
        fake_openai.queue("Here is everything.")

    arming = asyncio.create_task(fail_the_second_model_call_twice())
    # The tools must not finish before the faults are armed: hold the first one back.
    original = service.call

    async def gated(tool: str, sku: str) -> str:
        await arming
        return await original(tool, sku)

    service.call = gated
    state = await graph.ainvoke({"messages": [human_message("check A1, B2, C3", "m1")]}, config("t3"))

    assert service.runs == {"stock": 1, "price": 1, "shipping": 1}
    assert fake_openai.calls == 1 + 3  # the tool-asking call, then 503, 503, ok
    retried = fake_openai.requests[1:]
    assert retried[0]["messages"] == retried[1]["messages"] == retried[2]["messages"]
    answers = [m for m in state["messages"] if isinstance(m, AIMessage) and not m.tool_calls]
    assert [a.content for a in answers] == ["Here is everything."]
    assert tool_results(state["messages"]) == {c["id"]: 1 for c in CALLS}
    history = [s async for s in graph.aget_state_history(config("t3"))]
    assert sum(1 for s in history if s.next == ("agent",)) == 2  # input, then after the tools: one each
