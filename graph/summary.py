"""Summarisation: a long thread's older turns are folded into a running summary.

A node (``make_summarizer``) runs before every model call. When the thread's
messages exceed a budget (tokens, and a message count), the oldest messages
are folded into ``state["summary"]`` — which ``graph.agent.system_message``
gives the model every turn — and removed from state with ``RemoveMessage``.
The last turns stay verbatim, the current turn is never folded, and a cut is
only ever made at the start of a turn where no tool call is left without its
result, so an ``AIMessage``'s tool calls and their ``ToolMessage``s always
stay together (both folded, or both kept).

Who writes the summary: the chat model itself when it is a real LLM; the
offline demo model gets a deterministic extractive summary (facts such as
``Customer name: …`` / ``Current order: …`` plus one line per earlier
request), which the demo model reads back like any fact in its system message.

Token counting: the model's tokenizer when it has one that works here
(``get_num_tokens_from_messages``, e.g. tiktoken for OpenAI models; probed once,
with a timeout, since tiktoken may need to download its tables), else the
estimate ``ceil(chars / 4) + 4`` per message (content, tool-call arguments and
name included) — OpenAI's rule of thumb for English text plus its per-message
overhead. ``SUPPORTBOT_SUMMARY_TOKENIZER=estimate`` forces the estimate.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
from dataclasses import dataclass
from typing import Callable, Sequence

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    RemoveMessage,
    SystemMessage,
    ToolMessage,
)

from graph import customer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SummaryConfig:
    """When to fold and how much to keep (see ``docs/long-conversations.md``)."""

    budget_tokens: int = 3000  # fold when the messages exceed this many tokens ...
    max_messages: int = 40  # ... or this many messages
    keep_tokens: int | None = None  # after a fold at most this many (default budget // 2) ...
    keep_messages: int | None = None  # ... and this many messages (default max_messages // 2)
    keep_turns: int = 2  # the last turns kept verbatim when they fit the budget
    max_summary_chars: int = 2500
    tokenizer: str = "auto"  # auto | model | estimate

    @property
    def target_tokens(self) -> int:
        return self.keep_tokens or max(1, self.budget_tokens // 2)

    @property
    def target_messages(self) -> int:
        return self.keep_messages or max(2, self.max_messages // 2)

    @classmethod
    def from_settings(cls, settings) -> "SummaryConfig":
        def get(name, default):
            value = getattr(settings, name, None)
            return default if value is None else value

        d = cls()
        return cls(
            budget_tokens=int(get("supportbot_summary_budget_tokens", d.budget_tokens)),
            max_messages=int(get("supportbot_summary_max_messages", d.max_messages)),
            keep_tokens=get("supportbot_summary_keep_tokens", None),
            keep_messages=get("supportbot_summary_keep_messages", None),
            keep_turns=int(get("supportbot_summary_keep_turns", d.keep_turns)),
            max_summary_chars=int(get("supportbot_summary_max_chars", d.max_summary_chars)),
            tokenizer=str(get("supportbot_summary_tokenizer", d.tokenizer)),
        )


# -- token counting -----------------------------------------------------------

def estimate_tokens(message: BaseMessage) -> int:
    """``ceil(chars / 4) + 4``: content, tool-call names and arguments, and the name."""
    chars = len(message.text)
    for call in getattr(message, "tool_calls", None) or []:
        chars += len(call.get("name") or "") + len(json.dumps(call.get("args") or {}, default=str))
    chars += len(getattr(message, "name", None) or "")
    return math.ceil(chars / 4) + 4


def _has_own_tokenizer(model) -> bool:
    from langchain_core.language_models.base import BaseLanguageModel

    cls = type(model)
    return any(getattr(cls, name, None) is not getattr(BaseLanguageModel, name, None)
               for name in ("get_num_tokens_from_messages", "get_token_ids"))


class TokenCounter:
    """Counts a message's tokens with the model's tokenizer if it has a working one."""

    PROBE_TIMEOUT = 5.0

    def __init__(self, model: BaseChatModel | None, mode: str = "auto") -> None:
        self.model = model
        self.mode = mode
        self.method: str | None = "estimate" if mode == "estimate" or model is None else None
        self._cache: dict[tuple, int] = {}

    async def ready(self) -> None:
        """Decide once (off the event loop, with a timeout) whether the model's tokenizer works."""
        if self.method is not None:
            return
        if not _has_own_tokenizer(self.model):
            self.method = "estimate"  # the base class would fall back to GPT-2 from transformers
            log.info("summary token counting", extra={"method": self.method})
            return
        try:
            await asyncio.wait_for(
                asyncio.to_thread(self.model.get_num_tokens_from_messages, [HumanMessage("probe")]),
                self.PROBE_TIMEOUT,
            )
            self.method = "model"
        except Exception as exc:  # no tokenizer, or its tables cannot be fetched here
            if self.mode == "model":
                log.warning("the model's tokenizer is not usable; estimating tokens",
                            extra={"error": type(exc).__name__})
            self.method = "estimate"
        log.info("summary token counting", extra={"method": self.method})

    def count(self, message: BaseMessage) -> int:
        key = (message.id, type(message).__name__, len(message.text), len(getattr(message, "tool_calls", None) or ()))
        cached = self._cache.get(key) if message.id else None
        if cached is not None:
            return cached
        if self.method == "model":
            try:
                n = int(self.model.get_num_tokens_from_messages([message]))
            except Exception:
                n = estimate_tokens(message)
        else:
            n = estimate_tokens(message)
        if message.id:
            if len(self._cache) > 50_000:
                self._cache.clear()
            self._cache[key] = n
        return n


# -- where to cut -------------------------------------------------------------

def safe_cuts(messages: Sequence[BaseMessage]) -> list[int]:
    """Indices ``i`` where ``messages[i:]`` may start: a turn's first message (a
    ``HumanMessage``) with no tool call before ``i`` answered at or after ``i``."""
    answered_at: dict[str, int] = {}
    for i, m in enumerate(messages):
        if isinstance(m, ToolMessage):
            answered_at.setdefault(m.tool_call_id, i)
    cuts: list[int] = []
    latest_answer = -1  # the furthest index at which a tool call made before i is answered
    for i, m in enumerate(messages):
        if i > 0 and isinstance(m, HumanMessage) and latest_answer < i:
            cuts.append(i)
        if isinstance(m, AIMessage):
            for call in m.tool_calls or []:
                latest_answer = max(latest_answer, answered_at.get(call.get("id"), -1))
    return cuts


def choose_cut(messages: Sequence[BaseMessage], tokens: Sequence[int], config: SummaryConfig) -> int:
    """How many leading messages to fold (0 = none)."""
    total, n = sum(tokens), len(messages)
    if total <= config.budget_tokens and n <= config.max_messages:
        return 0
    cuts = safe_cuts(messages)
    if not cuts:
        return 0  # one turn only: the current turn is never folded
    suffix = [0] * (n + 1)
    for i in range(n - 1, -1, -1):
        suffix[i] = suffix[i + 1] + tokens[i]

    def fits(i: int, max_tokens: int, max_messages: int) -> bool:
        return suffix[i] <= max_tokens and n - i <= max_messages

    # Keep as much as fits the target; failing that, only the current turn.
    cut = next((i for i in cuts if fits(i, config.target_tokens, config.target_messages)), cuts[-1])
    # Prefer keeping the last ``keep_turns`` turns verbatim, as long as they fit the budget.
    starts = [0, *cuts]
    if config.keep_turns > 1 and len(starts) >= config.keep_turns:
        turns_cut = starts[-config.keep_turns]
        if 0 < turns_cut < cut and fits(turns_cut, config.budget_tokens, config.max_messages):
            cut = turns_cut
    return cut


# -- the extractive summary (offline demo model) --------------------------------

_HEADER = "Earlier in this conversation (summary):"
_FACT_KEYS = ("Customer name", "Email", "Current order", "Orders discussed")
_FACT_LINE = re.compile(r"^(Customer name|Email|Current order|Orders discussed):\s*(.*)$")
_ORDER = re.compile(r"(?:order\s*(?:number|no\.?|#)?\s*#?|#)\s*(\d{3,6})\b|\b(1\d{3})\b", re.I)


def _one_line(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _parse_summary(summary: str) -> tuple[dict[str, str], list[str]]:
    facts: dict[str, str] = {}
    events: list[str] = []
    if not summary:
        return facts, events
    if not summary.startswith(_HEADER):  # written by an LLM earlier: keep it as one line
        return facts, ["- " + _one_line(summary, 600)]
    for line in summary.splitlines()[1:]:
        match = _FACT_LINE.match(line)
        if match:
            facts[match.group(1)] = match.group(2).strip()
        elif line.startswith("- "):
            events.append(line)
    return facts, events


def extractive_summary(previous: str, folded: Sequence[BaseMessage], max_chars: int = 2500) -> str:
    """Deterministic: facts (name, email, orders) plus one line per earlier request and tool result."""
    facts, events = _parse_summary(previous)
    orders = [o for o in facts.get("Orders discussed", "").replace(" ", "").split(",") if o]
    calls: dict[str, dict] = {}
    for m in folded:
        if isinstance(m, HumanMessage):
            text = m.text
            learnt = customer.learn([m])
            if learnt.get("customer_name"):
                facts["Customer name"] = learnt["customer_name"]
            if learnt.get("customer_email"):
                facts["Email"] = learnt["customer_email"]
            for match in _ORDER.finditer(text):
                order = match.group(1) or match.group(2)
                if order in orders:
                    orders.remove(order)
                orders.append(order)
                facts["Current order"] = order
            events.append("- Customer: " + _one_line(text, 140))
        elif isinstance(m, AIMessage):
            for call in m.tool_calls or []:
                calls[call.get("id")] = call
        elif isinstance(m, ToolMessage):
            call = calls.get(m.tool_call_id) or {}
            args = call.get("args") or {}
            if "order_id" in args:
                order = str(args["order_id"])
                if order in orders:
                    orders.remove(order)
                orders.append(order)
                facts["Current order"] = order
            shown = ", ".join(f"{k}={v}" for k, v in args.items() if k not in ("reason", "body"))
            events.append(f"- {m.name or call.get('name') or 'tool'}({shown}): " + _one_line(m.text, 160))
    if orders:
        facts["Orders discussed"] = ", ".join(orders[-10:])
    head = [_HEADER] + [f"{k}: {facts[k]}" for k in _FACT_KEYS if facts.get(k)]
    budget = max_chars - sum(len(line) + 1 for line in head)
    kept: list[str] = []
    for line in reversed(events):  # the most recent events that fit
        if budget - (len(line) + 1) < 0:
            break
        kept.append(line)
        budget -= len(line) + 1
    if len(kept) < len(events):
        kept.append("- (older requests omitted)")
    return "\n".join(head + list(reversed(kept)))


# -- the LLM summary ----------------------------------------------------------

SUMMARY_PROMPT = (
    "You maintain the running summary of a customer-support conversation between a customer and a "
    "support agent. Merge the new messages into the summary so far. Keep every fact the agent may need "
    "later: the customer's name and email, each order number and what happened to it (looked up, refund "
    "or cancellation requested, approved, rejected or done, tickets opened), and what the customer still "
    "wants. Start with lines 'Customer name: …', 'Email: …' and 'Current order: …' where known. Plain "
    "short lines, at most {words} words, no greeting, nothing invented."
)


def transcript(messages: Sequence[BaseMessage], limit: int = 1200) -> str:
    lines = []
    for m in messages:
        if isinstance(m, HumanMessage):
            lines.append("Customer: " + _one_line(m.text, limit))
        elif isinstance(m, AIMessage):
            if m.text.strip():
                lines.append("Agent: " + _one_line(m.text, limit))
            for call in m.tool_calls or []:
                lines.append(f"Agent called {call.get('name')}({json.dumps(call.get('args') or {}, default=str)})")
        elif isinstance(m, ToolMessage):
            lines.append(f"Result of {m.name or 'tool'}: " + _one_line(m.text, limit))
    return "\n".join(lines)


async def llm_summary(model: BaseChatModel, previous: str, folded: Sequence[BaseMessage], max_chars: int) -> str:
    prompt = SUMMARY_PROMPT.format(words=max(50, max_chars // 7))
    request = (f"Summary so far:\n{previous or '(none)'}\n\n"
               f"New messages to merge into it:\n{transcript(folded)}")
    reply = await model.ainvoke([SystemMessage(prompt), HumanMessage(request)])
    text = reply.text.strip()
    if not text:
        raise ValueError("the model returned an empty summary")
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


# -- the node -----------------------------------------------------------------

def make_summarizer(model: BaseChatModel | None, settings=None, *, config: SummaryConfig | None = None,
                    summarize: Callable | None = None):
    """The graph node that keeps a thread within budget (``build_graph(summarizer=...)``).

    ``model`` writes the summary unless it is the offline demo model (or None),
    in which case the extractive summary is used. ``summarize`` overrides both:
    an async ``(previous, folded) -> str``.
    """
    from graph.model import is_demo

    config = config or SummaryConfig.from_settings(settings)
    extractive = model is None or is_demo(model)
    counter = TokenCounter(None if extractive else model, "estimate" if extractive else config.tokenizer)

    async def write_summary(previous: str, folded: list[BaseMessage]) -> str:
        if summarize is not None:
            return await summarize(previous, folded)
        if not extractive:
            try:
                return await llm_summary(model, previous, folded, config.max_summary_chars)
            except Exception as exc:
                # A turn must not fail because its summary could not be written.
                log.warning("LLM summary failed; using the extractive summary",
                            extra={"error": type(exc).__name__})
        return extractive_summary(previous, folded, config.max_summary_chars)

    async def summarize_node(state: dict) -> dict:
        messages = list(state.get("messages") or [])
        if len(messages) < 2:
            return {}
        await counter.ready()
        tokens = [counter.count(m) for m in messages]
        cut = choose_cut(messages, tokens, config)
        folded = [m for m in messages[:cut] if m.id]
        if not folded:
            return {}
        summary = await write_summary(state.get("summary") or "", folded)
        update: dict = {"summary": summary, "messages": [RemoveMessage(id=m.id) for m in folded]}
        # Facts told only in folded turns (e.g. a thread older than this feature) go to state too.
        learnt: dict = {}
        for m in folded:
            if isinstance(m, HumanMessage):
                learnt.update({k: v for k, v in customer.learn([m]).items() if v})
        for key, value in learnt.items():
            if not state.get(key):
                update[key] = value
        log.debug("summarised", extra={"folded": len(folded), "kept": len(messages) - cut,
                                       "tokens_before": sum(tokens), "tokens_after": sum(tokens[cut:])})
        return update

    summarize_node.config = config  # type: ignore[attr-defined]
    return summarize_node
