"""Checkpoint writes fenced by the thread's lease.

LangGraph's checkpointers accept any writer; two writers on one thread fork
its history (LangGraph issue 8796). The inbox gives each thread one lease
holder; this wrapper makes a holder whose lease ran out stop before writing a
checkpoint, so a stalled worker cannot write after another took over.
Outside a worker run (CLI, operators) there is no lease and nothing is checked.
"""

from __future__ import annotations

from langgraph.checkpoint.base import BaseCheckpointSaver

from bot.queue.inbox import current_lease


def _check() -> None:
    lease = current_lease.get()
    if lease is not None:
        lease.check()


def fenced(saver: BaseCheckpointSaver) -> BaseCheckpointSaver:
    """The same saver (same connections, same storage) with lease-checked writes."""
    base = type(saver)

    class Fenced(base):  # type: ignore[misc, valid-type]
        async def aput(self, config, checkpoint, metadata, new_versions):
            _check()
            return await super().aput(config, checkpoint, metadata, new_versions)

        async def aput_writes(self, config, writes, task_id, task_path=""):
            _check()
            return await super().aput_writes(config, writes, task_id, task_path)

    Fenced.__name__ = Fenced.__qualname__ = f"Fenced{base.__name__}"
    clone = base.__new__(Fenced)
    clone.__dict__.update(saver.__dict__)
    return clone
