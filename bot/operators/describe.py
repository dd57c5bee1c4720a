"""One message, or one piece of state, as a line an operator can read."""

from __future__ import annotations

import json

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage


def calls_of(message: AIMessage) -> str:
    return "; ".join(f"{c['name']}({format_args(c.get('args') or {})})" for c in message.tool_calls)


def format_args(args: dict) -> str:
    return ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in args.items())


def role_of(message: BaseMessage) -> str:
    if isinstance(message, HumanMessage):
        return "user"
    if isinstance(message, AIMessage):
        return "assistant"
    if isinstance(message, ToolMessage):
        return "tool"
    if isinstance(message, SystemMessage):
        return "system"
    return message.type


def describe(message: BaseMessage | None) -> str:
    """``user: text``, ``assistant: text``, ``assistant → tool(args)``, ``tool lookup_order: result``."""
    if message is None:
        return ""
    text = " ".join(message.text.split())
    if isinstance(message, AIMessage) and message.tool_calls:
        calls = f"→ {calls_of(message)}"
        return f"assistant: {text} {calls}" if text else f"assistant {calls}"
    if isinstance(message, ToolMessage):
        status = " (error)" if getattr(message, "status", None) == "error" else ""
        return f"tool {message.name or ''}{status}: {text}".replace("tool :", "tool:")
    return f"{role_of(message)}: {text}"


def message_json(message: BaseMessage) -> dict:
    data = {"role": role_of(message), "id": message.id, "content": message.text}
    if getattr(message, "name", None):
        data["name"] = message.name
    if isinstance(message, AIMessage) and message.tool_calls:
        data["tool_calls"] = [{"id": c.get("id"), "name": c["name"], "args": c.get("args") or {}}
                              for c in message.tool_calls]
    if isinstance(message, ToolMessage):
        data["tool_call_id"] = message.tool_call_id
        data["status"] = getattr(message, "status", None)
    return data
