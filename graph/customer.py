"""What the agent learns about the customer from what they write.

Kept in state (not only in the messages) so that it survives summarisation:
the model is told these facts on every turn.
"""

from __future__ import annotations

import re
from typing import Iterable

from langchain_core.messages import AIMessage, HumanMessage

_NAME = re.compile(r"\b(?:my name is|my name's|call me)\s+([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)?)", re.I)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_ORDER = re.compile(r"(?:order\s*(?:number|no\.?|#)?\s*#?|#)\s*(\d{3,6})\b", re.I)

FIELDS = ("customer_name", "customer_email", "current_order")


def learn(messages: Iterable) -> dict:
    """Facts stated in the human messages of the current turn (since the last answer)."""
    turn: list[str] = []
    for message in reversed(list(messages)):
        if isinstance(message, AIMessage) and not message.tool_calls:
            break
        if isinstance(message, HumanMessage):
            turn.append(message.text)
    found: dict = {}
    for text in reversed(turn):
        if m := _NAME.search(text):
            found["customer_name"] = m.group(1).strip()
        if m := _EMAIL.search(text):
            found["customer_email"] = m.group(0)
        if m := _ORDER.search(text):
            found["current_order"] = m.group(1)
    return found


def describe(state: dict) -> str:
    labels = {"customer_name": "name", "customer_email": "email", "current_order": "current order"}
    return "; ".join(f"{labels[k]}: {state[k]}" for k in FIELDS if state.get(k))
