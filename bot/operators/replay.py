"""Replay: re-run a thread from a checkpoint with today's model and tools, on a scratch copy.

The checkpoint is copied into an in-memory saver under a scratch thread id;
the user messages recorded after it (on the branch that grew from it) are fed
again, in order; the result is compared with what was recorded. The real
thread is never written (its head stays where it was), the shop is read-only
(``readonly.py``), and a tool that needs approval stops the replay at its
pause: a replay never resumes one.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from langchain_core.messages import HumanMessage
from langgraph.checkpoint.base import copy_checkpoint
from langgraph.checkpoint.memory import InMemorySaver

from bot import messages as say
from bot.operators.describe import describe
from bot.operators.readonly import ReadOnlyDatabase
from bot.operators.timeline import NotFound, checkpoint_id_of, parent_id_of, snapshots, thread_config
from graph.state import RunContext
from graph.storage import Storage


@dataclass
class ReplayResult:
    thread_id: str
    from_id: str
    head: str  # the real thread's head, before and after
    recorded: list[str]
    replayed: list[str]
    paused: list[dict] = field(default_factory=list)
    refused_writes: list[str] = field(default_factory=list)

    @property
    def same(self) -> bool:
        return self.recorded == self.replayed

    def diff(self) -> list[str]:
        lines = difflib.unified_diff(self.recorded, self.replayed, "recorded", "replayed", lineterm="", n=10_000)
        return list(lines)[2:]  # without the ---/+++ header

    def as_json(self) -> dict:
        return {"thread_id": self.thread_id, "from": self.from_id, "head": self.head,
                "recorded": self.recorded, "replayed": self.replayed, "same": self.same,
                "paused": self.paused, "refused_writes": self.refused_writes}


def _descendant_end(found, start: str):
    """The newest checkpoint on a branch that grew from ``start`` (``start`` itself if none)."""
    by_id = {checkpoint_id_of(s): s for s in found}
    for snapshot in found:  # newest first
        current, seen = snapshot, set()
        while current is not None and checkpoint_id_of(current) not in seen:
            cid = checkpoint_id_of(current)
            if cid == start:
                return snapshot
            seen.add(cid)
            current = by_id.get(parent_id_of(current))
    return by_id[start]


async def replay(graph, storage: Storage, make_graph, thread_id: str, from_id: str) -> ReplayResult:
    """``make_graph(scratch_storage)`` builds the agent as the bot runs it today."""
    found = await snapshots(graph, thread_id)
    start = next((s for s in found if checkpoint_id_of(s) == from_id), None)
    if start is None:
        raise NotFound(say.OP_NO_SUCH_CHECKPOINT.format(thread_id=thread_id, checkpoint=from_id))
    head = checkpoint_id_of(found[0])
    known = {m.id for m in (start.values or {}).get("messages") or []}
    end = _descendant_end(found, from_id)
    recorded = [m for m in (end.values or {}).get("messages") or [] if m.id not in known]

    scratch = InMemorySaver()
    scratch_id = f"replay:{thread_id}"
    saved = await storage.checkpointer.aget_tuple(thread_config(thread_id, from_id))
    checkpoint = copy_checkpoint(saved.checkpoint)
    # Every channel as a new version: the scratch saver stores all the values.
    await scratch.aput(thread_config(scratch_id), checkpoint, dict(saved.metadata),
                       dict(checkpoint["channel_versions"]))
    shop_db = ReadOnlyDatabase(storage.db)
    replica = make_graph(Storage(storage.url, scratch, shop_db))
    config = thread_config(scratch_id)
    context = RunContext(requester=(saved.metadata or {}).get("slack_user") or "replay",
                         source={"via": "replay", "thread_id": thread_id},
                         staff=True)  # an operator's read-only re-run: they may see any order

    state = await replica.aget_state(config)
    if state.next and not state.interrupts:
        await replica.ainvoke(None, config, context=context)
    for message in (m for m in recorded if isinstance(m, HumanMessage)):
        state = await replica.aget_state(config)
        if state.interrupts:
            break  # a pause: a replay never decides it
        await replica.ainvoke({"messages": [message]}, config, context=context)
    state = await replica.aget_state(config)
    replayed = [m for m in state.values.get("messages") or [] if m.id not in known]
    paused = [{"id": i.id, "tool": (i.value or {}).get("tool") if isinstance(i.value, dict) else None,
               "args": (i.value or {}).get("args") if isinstance(i.value, dict) else None}
              for i in state.interrupts]
    return ReplayResult(thread_id, from_id, head, [describe(m) for m in recorded],
                        [describe(m) for m in replayed], paused, shop_db.refused)
