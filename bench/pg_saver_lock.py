"""Does upstream AsyncPostgresSaver's per-instance asyncio.Lock limit concurrent turns?

LangGraph issue 7259: AsyncPostgresSaver takes one asyncio.Lock around every query,
even on a connection pool where each query has a connection of its own, so all the
threads (conversations) of a process wait for each other's checkpoint writes.
graph.storage.PooledPostgresSaver is the same class minus that lock.

Each run: THREADS conversations at once, TURNS turns each (one after the other within
a conversation), all on ONE saver over one psycopg_pool.AsyncConnectionPool. The graph
is START -> model -> END, where the model node awaits a simulated MODEL_MS model call.
Reported: wall time and turns/s, median of RUNS runs per saver (savers alternate), after
one warm-up run each; then a check that every thread has all its turns, in order.
Works in a scratch database it creates on the server and drops at the end.

    .venv/bin/python bench/pg_saver_lock.py --url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Annotated, TypedDict

import psycopg
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from graph.storage import PooledPostgresSaver  # noqa: E402

SAVERS = {"AsyncPostgresSaver (upstream, locked)": AsyncPostgresSaver,
          "PooledPostgresSaver (no lock)": PooledPostgresSaver}


class State(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]


def build(saver, model_ms: float):
    async def model(state: State) -> dict:
        await asyncio.sleep(model_ms / 1000)  # the model call: the loop is free meanwhile
        turn = sum(isinstance(m, HumanMessage) for m in state["messages"])
        return {"messages": [AIMessage(f"reply {turn}")]}

    builder = StateGraph(State)
    builder.add_node("model", model)
    builder.add_edge(START, "model")
    builder.add_edge("model", END)
    return builder.compile(checkpointer=saver)


def config(thread_id: str) -> dict:
    return {"configurable": {"thread_id": thread_id}}


async def run(graph, threads: int, turns: int) -> tuple[float, float, list[str]]:
    """(wall seconds, this process's CPU seconds, thread ids)."""
    ids = [f"{uuid.uuid4().hex[:8]}:{n}" for n in range(threads)]

    async def conversation(thread_id: str) -> None:
        for turn in range(turns):
            await graph.ainvoke({"messages": [HumanMessage(f"turn {turn}")]}, config(thread_id))

    start, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(conversation(t) for t in ids))
    return time.perf_counter() - start, time.process_time() - cpu, ids


async def complete(graph, saver, ids: list[str], turns: int) -> tuple[int, int]:
    """(threads with all their turns in order, checkpoints per thread; -1 if threads differ)."""
    whole, per_thread = 0, set()
    expected = [text for t in range(turns) for text in (f"turn {t}", f"reply {t + 1}")]
    for thread_id in ids:
        state = await graph.aget_state(config(thread_id))
        whole += [m.content for m in state.values["messages"]] == expected
        per_thread.add(len([c async for c in saver.alist(config(thread_id))]))
    return whole, (per_thread.pop() if len(per_thread) == 1 else -1)


async def main(args) -> None:
    server = args.url
    name = f"bench_saver_lock_{os.getpid()}"
    db_url = urllib.parse.urlunsplit(urllib.parse.urlsplit(server)._replace(path="/" + name))
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        async with AsyncConnectionPool(
            db_url, min_size=args.pool_size, max_size=args.pool_size, open=False,
            kwargs={"autocommit": True, "row_factory": dict_row, "prepare_threshold": None},
        ) as pool:
            await pool.wait()
            await AsyncPostgresSaver(pool).setup()
            graphs = {label: (build(cls(pool), args.model_ms), cls) for label, cls in SAVERS.items()}
            for graph, _ in graphs.values():  # warm-up, not counted
                await run(graph, args.threads, args.turns)
            walls: dict[str, list[float]] = {label: [] for label in graphs}
            cpus: dict[str, list[float]] = {label: [] for label in graphs}
            checks: dict[str, tuple[int, int]] = {}
            for r in range(args.runs):
                order = list(graphs) if r % 2 == 0 else list(reversed(graphs))
                for label in order:
                    graph, _ = graphs[label]
                    wall, cpu, ids = await run(graph, args.threads, args.turns)
                    walls[label].append(wall)
                    cpus[label].append(cpu)
                    checks[label] = await complete(graph, graph.checkpointer, ids, args.turns)
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    total = args.threads * args.turns
    print(f"{args.threads} threads x {args.turns} turns = {total} turns per run, model call {args.model_ms:g} ms, "
          f"pool of {args.pool_size}; median of {args.runs} runs (after 1 warm-up); "
          f"floor = {args.turns} x {args.model_ms:g} ms = {args.turns * args.model_ms / 1000:.2f} s\n")
    print("| saver | wall, median (s) | turns/s | runs (s) | client CPU, median (s) | threads complete "
          "| checkpoints/thread |")
    print("|---|---:|---:|---|---:|---:|---:|")
    for label, values in walls.items():
        median = statistics.median(values)
        whole, per_thread = checks[label]
        print(f"| {label} | {median:.3f} | {total / median:.0f} | {', '.join(f'{v:.3f}' for v in values)} "
              f"| {statistics.median(cpus[label]):.3f} | {whole}/{args.threads} | {per_thread} |")
    if any(checks[label][0] != args.threads for label in checks):
        sys.exit("some threads lost turns")


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
                        help="a PostgreSQL server (any database on it); a scratch database is created there")
    parser.add_argument("--threads", type=int, default=20)
    parser.add_argument("--turns", type=int, default=5)
    parser.add_argument("--model-ms", type=float, default=50.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pool-size", type=int, default=None, help="default: one connection per thread")
    args = parser.parse_args(argv)
    args.pool_size = args.pool_size or max(2, args.threads)
    return args


if __name__ == "__main__":
    asyncio.run(main(parse()))
