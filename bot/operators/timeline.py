"""A thread's checkpoints, newest first: what ``supportbot history`` prints.

Which node wrote a checkpoint is not stored in its metadata (LangGraph 1.x
dropped ``writes``): it is the task(s) its parent checkpoint had next, whose
writes made it. A rewind's fork says so in its own metadata.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass

from langgraph.types import StateSnapshot

from bot import messages as say
from bot.operators.clock import iso_of
from bot.operators.describe import describe

LAST_MESSAGE_CHARS = 100
HISTORY_KEYS = ("checkpoint_id", "step", "created_at", "node", "messages", "last_message")


class NotFound(LookupError):
    """No such thread or checkpoint; the message names it."""


@dataclass
class Step:
    checkpoint_id: str
    step: int | None
    created_at: str
    node: str
    messages: int
    last_message: str
    # Not in --json (its keys are fixed): for the table and for rewind.
    parent_id: str | None = None
    on_head: bool = True

    def as_json(self) -> dict:
        data = asdict(self)
        return {key: data[key] for key in HISTORY_KEYS}


def thread_config(thread_id: str, checkpoint_id: str | None = None) -> dict:
    configurable = {"thread_id": thread_id, "checkpoint_ns": ""}
    if checkpoint_id:
        configurable["checkpoint_id"] = checkpoint_id
    return {"configurable": configurable}


def checkpoint_id_of(snapshot: StateSnapshot | None) -> str | None:
    return snapshot.config["configurable"].get("checkpoint_id") if snapshot and snapshot.config else None


def parent_id_of(snapshot: StateSnapshot) -> str | None:
    parent = snapshot.parent_config
    return parent["configurable"].get("checkpoint_id") if parent else None


async def snapshots(graph, thread_id: str) -> list[StateSnapshot]:
    """Every checkpoint of the thread (all branches), newest first."""
    found = [s async for s in graph.aget_state_history(thread_config(thread_id))]
    if not found:
        raise NotFound(say.OP_NO_CHECKPOINTS.format(thread_id=thread_id))
    return found


async def snapshot_at(graph, thread_id: str, checkpoint_id: str | None = None) -> StateSnapshot:
    config = thread_config(thread_id, checkpoint_id)
    # For an id the saver does not have, LangGraph answers an empty snapshot that echoes
    # the id back, so only the saver itself can say the checkpoint is not there.
    if checkpoint_id and await graph.checkpointer.aget_tuple(config) is None:
        raise NotFound(say.OP_CHECKPOINT_NOT_FOUND.format(checkpoint=checkpoint_id, thread_id=thread_id))
    snapshot = await graph.aget_state(config)
    if not snapshot or checkpoint_id_of(snapshot) is None:
        if checkpoint_id:
            raise NotFound(say.OP_CHECKPOINT_NOT_FOUND.format(checkpoint=checkpoint_id, thread_id=thread_id))
        raise NotFound(say.OP_THREAD_NOT_FOUND.format(thread_id=thread_id))
    return snapshot


def head_branch(found: list[StateSnapshot]) -> set[str]:
    """Checkpoint ids from the head back to the first: the history the thread continues from."""
    by_id = {checkpoint_id_of(s): s for s in found}
    chain, current = set(), found[0] if found else None
    while current is not None:
        cid = checkpoint_id_of(current)
        if cid in chain:
            break
        chain.add(cid)
        current = by_id.get(parent_id_of(current))
    return chain


def node_of(snapshot: StateSnapshot, parent: StateSnapshot | None) -> str:
    meta = snapshot.metadata or {}
    source = meta.get("source")
    if source == "input":
        return "input"
    if source == "fork":
        return "rewind" if meta.get("rewound_by") else "fork"
    if source == "update":
        return "update"
    if parent is None:
        return "?"
    names = Counter(_pretty(t.name) for t in parent.tasks)
    return ",".join(n if c == 1 else f"{n}×{c}" for n, c in names.items()) or "?"


def _pretty(name: str) -> str:
    return "start" if name == "__start__" else name


def last_message(snapshot: StateSnapshot) -> str:
    messages = (snapshot.values or {}).get("messages") or []
    return describe(messages[-1])[:LAST_MESSAGE_CHARS] if messages else ""


async def history(graph, thread_id: str, limit: int | None = None) -> list[Step]:
    found = await snapshots(graph, thread_id)
    by_id = {checkpoint_id_of(s): s for s in found}
    on_head = head_branch(found)
    steps = []
    for snapshot in found[:limit] if limit else found:
        parent = by_id.get(parent_id_of(snapshot))
        steps.append(Step(
            checkpoint_id=checkpoint_id_of(snapshot),
            step=(snapshot.metadata or {}).get("step"),
            created_at=iso_of(snapshot.created_at),
            node=node_of(snapshot, parent),
            messages=len((snapshot.values or {}).get("messages") or []),
            last_message=last_message(snapshot),
            parent_id=parent_id_of(snapshot),
            on_head=checkpoint_id_of(snapshot) in on_head,
        ))
    return steps


def history_table(steps: list[Step]) -> list[dict]:
    """Rows for ``output.table``: a mark for checkpoints a rewind left behind."""
    return [{**s.as_json(), "branch": "" if s.on_head else "x"} for s in steps]


HISTORY_COLUMNS = [("branch", " "), ("checkpoint_id", "checkpoint_id"), ("step", "step"),
                   ("created_at", "created_at"), ("node", "node"), ("messages", "messages"),
                   ("last_message", "last_message")]
