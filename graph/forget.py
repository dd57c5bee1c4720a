"""Forget a thread's checkpoints, and find the threads whose checkpoints name a user.

The checkpoint half of an erasure request (the bot's own rows are erased by
``bot/operators/forget.py``, which calls this): ``forget_checkpoints`` deletes
a thread's checkpoints, blobs and writes inside the caller's transaction, so the
bot's rows and the checkpoints go together or not at all (the in-memory saver,
which has no tables, through its ``adelete_thread``); ``threads_naming_user`` finds threads whose checkpoint
metadata has ``slack_user`` = the user, or whose current state has a message
with the user as its ``name`` (what ``bot/turn.py`` sets), which still finds a
thread after retention pruned the checkpoints that carried the metadata. With
encryption at rest the checkpoints cannot be searched in SQL, so every thread's
current state is read.
"""

from __future__ import annotations

from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

SLACK_USER_KEY = "slack_user"
CHECKPOINT_TABLES = {"checkpoints", "checkpoint_blobs", "checkpoint_writes", "writes"}


async def forget_checkpoints(storage, tx, thread_id: str) -> dict:
    """Delete every checkpoint, blob and write of the thread in ``tx``; returns the rows deleted per table."""
    saver = storage.checkpointer
    if isinstance(saver, InMemorySaver):
        counts = {
            "checkpoints": sum(len(v) for v in saver.storage.get(thread_id, {}).values()),
            "checkpoint_blobs": sum(1 for k in saver.blobs if k[0] == thread_id),
            "checkpoint_writes": sum(len(v) for k, v in saver.writes.items() if k[0] == thread_id),
        }
        await saver.adelete_thread(thread_id)
        return counts
    params = {"thread_id": thread_id}
    # Writes and blobs first: they hang off the checkpoints.
    writes = await tx.execute("forget_checkpoint_writes", params)
    blobs = await tx.execute("forget_checkpoint_blobs", params)
    return {"checkpoint_writes": writes, "checkpoint_blobs": blobs,
            "checkpoints": await tx.execute("forget_checkpoints", params)}


async def _state_names_user(storage, thread_id: str, user_id: str) -> bool:
    found = await storage.checkpointer.aget_tuple({"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}})
    if found is None:
        return False
    messages = (found.checkpoint.get("channel_values") or {}).get("messages") or []
    return any(isinstance(m, HumanMessage) and m.name == user_id for m in messages)


async def threads_naming_user(storage, user_id: str, known: set[str] = frozenset()) -> set[str]:
    """Threads (beyond ``known``, found by other means) whose checkpoints name the user."""
    params = {"user_id": user_id}
    threads: set[str] = set()
    saver = storage.checkpointer
    mentioning: set[str] = set()
    if isinstance(saver, InMemorySaver):
        for thread_id, by_ns in saver.storage.items():
            for _ckpt, meta, _parent in (c for ns in by_ns.values() for c in ns.values()):
                if (saver.serde.loads_typed(meta) or {}).get(SLACK_USER_KEY) == user_id:
                    threads.add(thread_id)
                    break
            mentioning.add(thread_id)
    else:
        threads.update(r["thread_id"] for r in await storage.db.fetchall("forget_threads_of_slack_user", params))
        if storage.keys is None:
            mentioning = {r["thread_id"] for r in await storage.db.fetchall("forget_threads_mentioning", params)}
        else:  # sealed checkpoints cannot be searched in SQL: every thread's state is read instead
            mentioning = {r["thread_id"] for r in await storage.db.fetchall("forget_threads_with_checkpoints")}
    for thread_id in sorted(mentioning - threads - set(known)):
        if await _state_names_user(storage, thread_id, user_id):
            threads.add(thread_id)
    return threads - set(known)
