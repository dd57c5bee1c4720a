"""Forget a thread's checkpoints, and find the threads whose checkpoints name a user.

The checkpoint half of an erasure request (the bot's own rows are erased by
``bot/operators/forget.py``, which calls this): ``forget_checkpoints`` deletes
a thread's checkpoints, blobs and writes through the saver's
``adelete_thread``; ``threads_naming_user`` finds threads whose checkpoint
metadata has ``slack_user`` = the user, or whose current state has a message
with the user as its ``name`` (what ``bot/turn.py`` sets), which still finds a
thread after retention pruned the checkpoints that carried the metadata.

On SQLite, ``PRAGMA secure_delete`` is switched on for the saver's connection
first, so deleted text is overwritten in the file, not only unlinked.
"""

from __future__ import annotations

from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

SLACK_USER_KEY = "slack_user"
CHECKPOINT_TABLES = {"checkpoints", "checkpoint_blobs", "checkpoint_writes", "writes"}


async def secure_delete_checkpoints(storage) -> None:
    saver = storage.checkpointer
    conn = getattr(saver, "conn", None)
    if storage.db.dialect == "sqlite" and conn is not None and not isinstance(saver, InMemorySaver):
        async with saver.lock:
            await conn.execute("PRAGMA secure_delete = ON")


async def _checkpoint_counts(storage, thread_id: str) -> dict:
    saver = storage.checkpointer
    if isinstance(saver, InMemorySaver):
        return {
            "checkpoints": sum(len(v) for v in saver.storage.get(thread_id, {}).values()),
            "checkpoint_blobs": sum(1 for k in saver.blobs if k[0] == thread_id),
            "checkpoint_writes": sum(len(v) for k, v in saver.writes.items() if k[0] == thread_id),
        }
    row = await storage.db.fetchone("forget_checkpoint_counts", {"thread_id": thread_id})
    return {k: int(v) for k, v in (row or {}).items()}


async def forget_checkpoints(storage, thread_id: str) -> dict:
    """Delete every checkpoint of the thread; returns the rows deleted per checkpoint table."""
    counts = await _checkpoint_counts(storage, thread_id)
    await storage.checkpointer.adelete_thread(thread_id)
    return counts


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
        mentioning = {r["thread_id"] for r in await storage.db.fetchall("forget_threads_mentioning", params)}
    for thread_id in sorted(mentioning - threads - set(known)):
        if await _state_names_user(storage, thread_id, user_id):
            threads.add(thread_id)
    return threads - set(known)
