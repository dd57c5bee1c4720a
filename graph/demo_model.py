"""The offline demo model: a deterministic, rule-based chat model.

It lets anyone try the bot with no API key. It is a real ``BaseChatModel``
(``bind_tools``, tool calls, streaming through LangChain's callbacks) that
understands a handful of support requests; it is not a language model, and the
chat banner and the logs say so.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Sequence

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult

DEMO_NOTICE = "offline demo model (rule-based, no LLM): set OPENAI_API_KEY to use a real model"

_NAME_SAID = re.compile(r"\b(?:my name is|my name's|call me)\s+([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)?)", re.I)
_NAME_KNOWN = re.compile(r"\bname:\s*([^;\n]+?)\.?(?=;|\n|$)", re.I)  # not the sentence's full stop
_ASK_NAME = re.compile(r"\b(what'?s|what is|do you (?:know|remember)|who am i)\b.*\bname\b|\bwho am i\b", re.I)
_ORDER = re.compile(r"(?:order\s*(?:number|no\.?|#)?\s*#?|#)\s*(\d{3,6})\b|\b(1\d{3})\b", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_ORDER_KNOWN = re.compile(r"\bcurrent order:\s*(\d+)", re.I)


class DemoChatModel(BaseChatModel):
    tool_names: tuple[str, ...] = ()

    @property
    def _llm_type(self) -> str:
        return "supportbot-demo"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> "DemoChatModel":
        names = tuple(getattr(t, "name", None) or t["function"]["name"] for t in tools)
        return self.model_copy(update={"tool_names": names})

    def _generate(self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs) -> ChatResult:
        reply = self._reply(messages)
        return ChatResult(generations=[ChatGeneration(message=reply)])

    # -- the rules ---------------------------------------------------------
    def _reply(self, messages: list[BaseMessage]) -> AIMessage:
        if messages and isinstance(messages[-1], ToolMessage):
            return self._after_tools(messages)
        human = next((m for m in reversed(messages) if isinstance(m, HumanMessage)), None)
        if human is None:
            return AIMessage(content="Hello! How can I help you with your order today?")
        text = human.text
        lowered = text.lower()
        order = self._order_in(text) or self._known(messages, _ORDER_KNOWN)

        said = _NAME_SAID.search(text)
        if said:
            return AIMessage(content=f"Nice to meet you, {said.group(1).strip()}! How can I help you today?")
        if _ASK_NAME.search(text):
            name = self._name_from(messages)
            if name:
                return AIMessage(content=f"Your name is {name}.")
            return AIMessage(content="I don't know your name yet. You can tell me with \"my name is …\".")
        if "refund" in lowered or "money back" in lowered:
            return self._change("refund_order", order, text, messages, "refund")
        if "cancel" in lowered:
            return self._change("cancel_order", order, text, messages, "cancel")
        email = _EMAIL.search(text)
        if email and "order" in lowered:
            return self._call("list_orders", {"email": email.group(0)}, messages)
        if order and self._order_in(text):
            return self._call("lookup_order", {"order_id": int(order)}, messages)
        if any(w in lowered for w in ("ticket", "complain", "human", "agent", "broken", "problem")):
            subject = text.strip().splitlines()[0][:80] or "Customer request"
            return self._call("create_ticket", {"subject": subject, "body": text.strip()}, messages)
        if any(w in lowered for w in ("hello", "hi ", "hey", "thanks", "thank you")) or lowered in ("hi", "hey"):
            return AIMessage(content="Hello! I can check an order, refund or cancel it, or open a ticket.")
        return AIMessage(
            content=(
                "I can help with orders: ask \"where is order 1003?\", \"refund order 1001\", "
                "\"cancel order 1005\", \"my orders, ada@example.com\", or ask me to open a ticket."
            )
        )

    def _change(self, tool: str, order, text: str, messages, verb: str) -> AIMessage:
        if not order:
            return AIMessage(content=f"Which order would you like me to {verb}? Please give its number, e.g. 1003.")
        return self._call(tool, {"order_id": int(order), "reason": text.strip()[:500]}, messages)

    def _call(self, name: str, args: dict, messages: list[BaseMessage]) -> AIMessage:
        if name not in self.tool_names:
            return AIMessage(content=f"I can't do that here ({name} is not available).")
        # Deterministic ids: the same conversation replays to the same tool call.
        seed = json.dumps([len(messages), name, args], sort_keys=True)
        call_id = "call_" + hashlib.sha256(seed.encode()).hexdigest()[:16]
        return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": call_id, "type": "tool_call"}])

    def _after_tools(self, messages: list[BaseMessage]) -> AIMessage:
        results = []
        for message in reversed(messages):
            if not isinstance(message, ToolMessage):
                break
            results.append(message.text)
        results.reverse()
        body = "\n".join(results)
        if all(r.startswith("Error:") for r in results):
            return AIMessage(content="Sorry, I couldn't do that. " + body.replace("Error: ", ""))
        if any(r.startswith("Rejected") for r in results):
            return AIMessage(content="That request was not approved. " + body)
        return AIMessage(content=body)

    @staticmethod
    def _order_in(text: str) -> str | None:
        match = _ORDER.search(text)
        return (match.group(1) or match.group(2)) if match else None

    @staticmethod
    def _known(messages: list[BaseMessage], pattern: re.Pattern) -> str | None:
        for message in messages:
            if isinstance(message, SystemMessage):
                match = pattern.search(message.text)
                if match:
                    return match.group(1).strip()
        return None

    def _name_from(self, messages: list[BaseMessage]) -> str | None:
        for message in reversed(messages[:-1]):
            if isinstance(message, HumanMessage):
                said = _NAME_SAID.search(message.text)
                if said:
                    return said.group(1).strip()
        return self._known(messages, _NAME_KNOWN)
