"""supportbot chat: talk to the agent in a terminal, on the same graph and storage as Slack."""

from __future__ import annotations

import asyncio
import getpass
import sys


NAME = "chat"
HELP = "a terminal conversation with the agent (memory kept in DATABASE_URL)"


def configure(parser) -> None:
    parser.add_argument("--thread", default="default", help="conversation name (default: %(default)s)")


async def _read(prompt: str) -> str | None:
    line = await asyncio.to_thread(_input, prompt)
    return None if line is None else line.strip()


def _input(prompt: str) -> str | None:
    try:
        return input(prompt)
    except EOFError:
        return None


async def run(args, settings) -> int:
    from bot.agent import open_agent
    from graph.agent import human_message
    from graph.demo_model import DEMO_NOTICE
    from graph.state import RunContext

    thread_id = f"cli:{args.thread}"
    config = {"configurable": {"thread_id": thread_id}}
    context = RunContext(requester=getpass.getuser(), source={"via": "cli"})
    async with open_agent(settings) as agent:
        model_line = DEMO_NOTICE if agent.demo else f"model {settings.supportbot_model or 'default'}"
        print(f"supportbot chat · thread {thread_id} · {model_line} · storage {agent.storage.url.redacted}")
        state = await agent.graph.aget_state(config)
        earlier = len(state.values.get("messages", [])) if state.values else 0
        print(f"(continuing: {earlier} earlier messages)" if earlier else "(new conversation)")
        print("Type a message; 'quit' or Ctrl-D to leave.\n")
        pending = await _pending(agent.graph, config)
        while True:
            if pending:
                payload = await _ask_approval(pending)
            else:
                text = await _read("you> ")
                if text is None or text.lower() in ("quit", "exit", ":q"):
                    break
                if not text:
                    continue
                payload = {"messages": [human_message(text)]}
            await _turn(agent.graph, payload, config, context)
            pending = await _pending(agent.graph, config)
    return 0


async def _turn(graph, payload, config, context) -> None:
    from langchain_core.messages import AIMessage, ToolMessage

    async for update in graph.astream(payload, config, context=context, stream_mode="updates"):
        for node, change in update.items():
            if node == "__interrupt__" or not isinstance(change, dict):
                continue
            for message in change.get("messages", []) or []:
                if isinstance(message, AIMessage):
                    for call in message.tool_calls:
                        print(f"  ⚙ {call['name']}({_args(call['args'])})")
                    if message.content and not message.tool_calls:
                        print(f"bot> {message.content}\n")
                elif isinstance(message, ToolMessage):
                    print(f"  ↳ {message.content}")


async def _pending(graph, config) -> list:
    state = await graph.aget_state(config)
    return list(state.interrupts) if state else []


async def _ask_approval(interrupts):
    from langgraph.types import Command

    decisions = {}
    for item in interrupts:
        value = item.value if isinstance(item.value, dict) else {}
        print(f"  ⏸ approval needed: {value.get('tool')}({_args(value.get('args', {}))})")
        answer = await _read("  approve? [y/N] ")
        approved = (answer or "").lower() in ("y", "yes")
        note = None if approved else (await _read("  reason (optional): ") or None)
        decisions[item.id] = {"decision": "approve" if approved else "reject", "by": getpass.getuser(), "note": note}
    return Command(resume=decisions)


def _args(args: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in args.items())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(1)
