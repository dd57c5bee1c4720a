"""One run of a thread: the claimed inbox items → the graph → Slack.

Re-running after a crash is safe at every line:
* a user's message enters state with an id derived from its Slack ts, so a
  replay never adds it twice; a thread whose last run stopped mid-way resumes
  from its last checkpoint (``ainvoke(None)``) instead of re-sending input;
* the answer is posted through the outbox, keyed by the answer's message id.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

from langchain_core.messages import AIMessage, AIMessageChunk
from langgraph.types import Command

from bot import messages as say
from bot.approvals.pauses import ApprovalPauses
from bot.queue.inbox import Inbox, Item, Lease, current_lease
from bot.metrics import ModelTimer
from bot.feedback.blocks import build_feedback_block
from bot.slack.render import build_reply, split_markdown
from bot.slack.outbox import SlackOut, ThreadOut, answer_key, held_key, too_long_key
from bot.slack.status import TurnStatus
from bot.slack.streaming import AnswerStream
from bot.threads import SlackPlace, message_id, parse_thread_id
from graph.agent import human_message, last_answer
from graph.state import RunContext

log = logging.getLogger(__name__)

INTERRUPT = "__interrupt__"  # the key LangGraph's stream reports interrupts under


@dataclass(frozen=True)
class Outcome:
    """Where a run of the graph stopped, as its stream reported it (the parts of a
    ``StateSnapshot`` a turn reads)."""
    values: dict
    interrupts: tuple
    config: dict  # of the checkpoint it stopped on (the feedback buttons name the answer by it)


@dataclass
class RunResult:
    paused: list  # pending interrupts after the run
    posted: list[str]
    held: list[int] = field(default_factory=list)  # items kept until a pause is decided


class TurnRunner:
    def __init__(self, graph, inbox: Inbox, slack: SlackOut, pauses: ApprovalPauses, *,
                 max_message_chars: int, directory=None) -> None:
        self.graph = graph
        # Who the requester is for the shop (bot/slack/identity.py); None = nobody is verified.
        self.directory = directory
        self.inbox = inbox
        self.slack = slack
        self.pauses = pauses  # posts the approval cards when a run pauses
        self.max_chars = max_message_chars

    async def run(self, lease: Lease, items: list[Item], watch=None) -> RunResult:
        """``watch``: a LangChain callback that follows this run's model calls (bot/queue/delay.py)."""
        place = parse_thread_id(lease.thread_id)
        if place is None:
            raise ValueError(f"not a Slack thread: {lease.thread_id}")
        last_message = next((i for i in reversed(items) if i.kind == "message"), None)
        config = {"configurable": {"thread_id": lease.thread_id}, "metadata": _metadata(place, last_message),
                  "callbacks": [ModelTimer()] + ([watch] if watch is not None else [])}
        context = RunContext(requester=(last_message.payload.get("user") if last_message else None) or "unknown",
                             source={"team": place.team_id, "channel": place.channel_id,
                                     "thread_ts": place.thread_ts})
        out = self.slack.to(lease, place)
        token = current_lease.set(lease)
        status = TurnStatus(self.slack, place, last_message.payload.get("ts") if last_message else None)
        try:
            await status.start(await self._first_text(status, config, last_message))
            try:
                return await self._advance(out, items, config, context, status)
            finally:
                await status.clear()
        finally:
            current_lease.reset(token)

    async def _first_text(self, status: TurnStatus, config, message: Item | None) -> str | None:
        """The text that names a new AI-app thread (its title); None when it is not new."""
        if not status.assistant or message is None:
            return None
        state = await self.graph.aget_state(config)
        return None if (state.values or {}).get("messages") else message.payload.get("text")

    async def _advance(self, out: ThreadOut, items, config, context, status: TurnStatus | None = None) -> RunResult:
        lease, place = out.lease, out.place
        posted: list[str] = []
        stream = AnswerStream(out, context.requester)
        state = await self.graph.aget_state(config)
        # A run with no message of its own (an approval's resume) continues the
        # turn of whoever asked: keep their Slack user on its checkpoints too.
        for key in ("slack_user", "slack_ts"):
            config["metadata"].setdefault(key, (state.metadata or {}).get(key) or "")
        if context.requester == "unknown" and config["metadata"].get("slack_user"):
            context = RunContext(requester=config["metadata"]["slack_user"], source=context.source)
            stream.user = context.requester
        context = await self._identified(context)
        known = {m.id for m in (state.values or {}).get("messages", [])}
        fresh = []
        for item in items:
            if item.kind != "message":
                continue
            text = item.payload.get("text") or ""
            if len(text) > self.max_chars:
                posted.append(await out.post(too_long_key(place.thread_id, item.delivery_key), say.TOO_LONG.format(
                    length=len(text), limit=self.max_chars)))
                continue
            mid = message_id(place.team_id, place.channel_id, item.payload["ts"])
            if mid not in known:
                fresh.append(human_message(text, mid, name=_safe_name(item.payload.get("user"))))
        decisions = {i.payload["interrupt_id"]: i.payload["value"] for i in items if i.kind == "resume"}
        if state.interrupts and any(i.kind == "reconcile" for i in items):
            # Decided, but its resume was given up: resume it again from the approvals row.
            decisions = {**await self.pauses.decided(list(state.interrupts)), **decisions}
        resumed = False

        if state.interrupts:
            pending = {i.id for i in state.interrupts}
            ready = {k: v for k, v in decisions.items() if k in pending}
            if ready:
                paused = [i for i in state.interrupts if i.id in ready]
                state = await self._drive(Command(resume=ready), config, context, stream, status)
                resumed = True
                await self.pauses.after_resume(out, paused, state.values.get("messages", []))
                if not state.interrupts:
                    await self.inbox.unhold(lease)
        elif state.next or state.tasks:
            # A run that stopped mid-way (crash, lost lease, retries ran out): continue from its checkpoint.
            # ``tasks`` too: a crash before the next step's checkpoint was saved leaves tasks whose
            # writes are all saved, which ``next`` leaves out (LangGraph's "async" durability).
            log.info("resuming interrupted run", extra={"thread_id": place.thread_id, "next": list(state.next)})
            state = await self._drive(None, config, context, stream, status)
            resumed = True

        if fresh and not state.interrupts:
            if resumed:
                # The resumed turn's answer goes out before the new messages go in:
                # otherwise the next answer would supersede it unseen.
                posted += await self._deliver(out, state, stream)
                stream = AnswerStream(out, context.requester)
            state = await self._drive({"messages": fresh}, config, context, stream, status)
        elif fresh:
            # A pause is waiting for a human: a new message cannot enter the
            # graph between a tool call and its result. Tell the user; the
            # message is kept and answered once the pause is decided.
            tool = (state.interrupts[0].value or {}).get("tool", "an action")
            held = [i for i in items if i.kind == "message"]
            # The pause may be new (this run resumed one that stopped before it reached the
            # pause): make sure it has its row and card, or nobody could ever decide it.
            posted += await self.pauses.on_pause(out, list(state.interrupts), context)
            for item in held:
                posted.append(await out.post(held_key(place.thread_id, item.delivery_key),
                                             say.WAITING_FOR_APPROVAL.format(tool=tool)))
            return RunResult(list(state.interrupts), posted, [i.item_id for i in held])

        if state.interrupts:
            posted += await self.pauses.on_pause(out, list(state.interrupts), context)
            return RunResult(list(state.interrupts), posted)

        if any(i.kind != "message" for i in items):
            # Nothing is paused after a resume or a reconcile: no message may stay held
            # (also when an earlier attempt of this item died between its run and its unhold).
            await self.inbox.unhold(lease)
        answer_posts = await self._deliver(out, state, stream)
        return RunResult([], posted + answer_posts)

    async def _identified(self, context: RunContext) -> RunContext:
        if self.directory is None:
            return context
        who = await self.directory.identify(context.requester)
        return replace(context, customer_email=who.email, staff=who.staff)

    async def _deliver(self, out: ThreadOut, state, stream: AnswerStream) -> list[str]:
        """Close the stream and post the turn's answer (once per answer id, via the outbox)."""
        answer = last_answer(state.values.get("messages", []))
        # The feedback buttons name the answer by the checkpoint this run ended on (none: no run yet).
        checkpoint_id = ((state.config or {}).get("configurable") or {}).get("checkpoint_id")
        feedback = build_feedback_block(out.place.thread_id, checkpoint_id) if checkpoint_id else None
        if stream.message_id is not None:
            final = answer if answer is not None and answer.id == stream.message_id else None
            await stream.finish(final.text if final is not None else None, [feedback] if feedback else None)
        return await self._post_answer(out, answer, feedback) if answer is not None else []

    async def _drive(self, payload, config, context, stream: AnswerStream, status: TurnStatus | None = None):
        """Run the graph, streaming the model's text into Slack as it comes; returns where it
        ended (values and pending interrupts) from the run's own stream, not by reading the
        checkpoint back. The model's tokens are streamed only when Slack will show them."""
        # "checkpoints" rather than "values": the same state, plus the checkpoint it was saved as.
        modes = ["checkpoints", "updates"] + (["messages"] if stream.enabled else [])
        values, interrupts, saved = None, {}, {}
        async for mode, chunk in self.graph.astream(payload, config, context=context, stream_mode=modes):
            if mode == "messages":
                message, meta = chunk
                if isinstance(message, AIMessageChunk) and meta.get("langgraph_node") == "agent":
                    await stream.feed(message)
            elif mode == "checkpoints":
                values = {k: v for k, v in chunk["values"].items() if k != INTERRUPT}
                saved = chunk["config"]
            elif INTERRUPT in chunk:  # one update per interrupted task: collect them all
                interrupts.update((i.id, i) for i in chunk[INTERRUPT])
            elif status is not None and isinstance(chunk, dict):
                await _track(status, chunk)  # node updates drive the status line (which tool runs now)
        if values is None:  # nothing ran (nothing to do): the checkpoint is still where it was
            return await self.graph.aget_state(config)
        return Outcome(values, tuple(interrupts.values()), saved)

    async def _post_answer(self, out: ThreadOut, answer: AIMessage, feedback: dict | None = None) -> list[str]:
        chunks = split_markdown(answer.text) or [say.EMPTY_ANSWER]
        last = len(chunks) - 1
        return [await out.post(answer_key(out.place.thread_id, answer.id, n), chunk,
                               blocks=build_reply(chunk)["blocks"] + [feedback] if feedback and n == last else None)
                for n, chunk in enumerate(chunks)]


def _metadata(place: SlackPlace, item: Item | None) -> dict:
    """Searchable Slack context for every checkpoint this run writes (nothing secret)."""
    meta = {"slack_team": place.team_id, "slack_channel": place.channel_id,
            "slack_thread_ts": place.thread_ts or ""}
    if item is not None:
        meta["slack_user"] = item.payload.get("user") or ""
        meta["slack_ts"] = item.payload.get("ts") or ""
    return meta


async def _track(status: TurnStatus, update: dict) -> None:
    """After the model asks for a tool, say which; after a tool ran, the model thinks again."""
    agent = update.get("agent")
    messages = (agent.get("messages") or []) if isinstance(agent, dict) else []
    calls = [c for m in messages for c in getattr(m, "tool_calls", None) or []]
    if calls:
        await status.tool(calls[0]["name"], calls[0].get("args") or {})
    elif "tools" in update or "tools_once" in update:
        await status.show(say.THINKING)


def _safe_name(user: str | None) -> str | None:
    # OpenAI accepts names matching ^[a-zA-Z0-9_-]+$; Slack user ids do.
    return user if user and user.replace("_", "").replace("-", "").isalnum() else None
