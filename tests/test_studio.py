"""langgraph.json's factory builds the agent the way `langgraph dev` loads it, and it runs, approvals included."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

ROOT = Path(__file__).resolve().parents[1]


def load_factory():
    """As the LangGraph server does: a file path and an attribute, from langgraph.json."""
    config = json.loads((ROOT / "langgraph.json").read_text())
    assert config["dependencies"] == ["."]
    path, attr = config["graphs"]["support_agent"].split(":")
    spec = importlib.util.spec_from_file_location("studio_graph", ROOT / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, attr)


async def test_the_studio_factory_builds_the_agent_and_runs_a_turn_through_an_approval(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no .env from the source tree
    for name in ("OPENAI_API_KEY", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/studio.db")
    make_graph = load_factory()
    config = {"configurable": {"thread_id": "studio-1"}}
    async with make_graph(config) as graph:
        assert graph.checkpointer is None, "the LangGraph server supplies the checkpointer"
        assert {"agent", "tools", "summarize"} <= set(graph.get_graph().nodes)
        served = graph.copy(update={"checkpointer": InMemorySaver()})  # what the server does with it

        first = await served.ainvoke({"messages": [{"role": "user", "content": "where is order 1003?"}]}, config)
        assert "Order 1003" in first["messages"][-1].content

        paused = await served.ainvoke({"messages": [{"role": "user", "content": "refund order 1001"}]}, config)
        [request] = paused["__interrupt__"]
        assert request.value["tool"] == "refund_order" and request.value["args"]["order_id"] == 1001
        done = await served.ainvoke(Command(resume={"decision": "approve", "by": "studio"}), config)
        [result] = [m for m in done["messages"] if getattr(m, "name", None) == "refund_order"]
        assert result.status == "success" and "refund" in done["messages"][-1].content.lower()
        assert not (await served.aget_state(config)).interrupts
