"""Checkpoint size monitoring: every checkpoint's size is observed; a warning above the threshold."""

from __future__ import annotations

import logging

from bot.queue.fencing import REGISTRY, monitor_checkpoint_sizes
from graph.agent import build_graph, human_message
from graph.shop import Shop
from tests.long.helpers import thread


async def test_every_checkpoint_size_is_recorded_and_a_large_one_logs_a_warning(storage, model, caplog):
    sizes: list[float] = []
    saver = monitor_checkpoint_sizes(storage.checkpointer, warn_bytes=3_000, observe=sizes.append)
    agent = build_graph(saver, model=model, shop=Shop(storage.db))

    with caplog.at_level(logging.WARNING, logger="bot.queue.fencing"):
        await agent.ainvoke({"messages": [human_message("hello")]}, thread("small"))
        assert sizes and max(sizes) < 3_000 and not caplog.records
        await agent.ainvoke({"messages": [human_message("hello " + "x" * 5_000)]}, thread("big"))

    assert max(sizes) > 5_000
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]  # once per thread per minute
    assert warning.thread_id == "big" and warning.bytes > 3_000 and warning.threshold == 3_000
    assert "x" * 50 not in warning.getMessage()  # message text is never logged


async def test_the_default_histogram_is_supportbot_checkpoint_bytes(storage, model):
    before = REGISTRY.get_sample_value("supportbot_checkpoint_bytes_count") or 0
    saver = monitor_checkpoint_sizes(storage.checkpointer)
    saver = monitor_checkpoint_sizes(saver)  # wrapping twice is a no-op
    agent = build_graph(saver, model=model, shop=Shop(storage.db))
    await agent.ainvoke({"messages": [human_message("hello")]}, thread("t"))
    counted = REGISTRY.get_sample_value("supportbot_checkpoint_bytes_count") - before
    assert counted == len([s async for s in agent.aget_state_history(thread("t"))])
