"""Benchmark: one long thread, the naive recipe against ours, on PostgreSQL and SQLite.

naive  plain ``add_messages`` state, START → agent → END, the plain saver; no
       summarisation, no retention (the seed's recipe).
ours   the real agent graph (``graph.agent.build_graph``) with the summariser
       (default settings), checkpoint-size monitoring, and the retention loop
       running in the background as in ``serve`` (interval ``--retention-interval``).

Both talk to the same fast, deterministic fake chat model (no network): it
answers every turn with ``--chars`` characters, so the numbers measure storage.
Each turn sends one ``--chars``-character user message.

    .venv/bin/python bench/long_thread.py --turns 1000          # the full run (minutes)
    .venv/bin/python bench/long_thread.py                       # quick check: 200 turns

PostgreSQL: ``--pg-url`` (default $BENCH_DATABASE_URL, $TEST_DATABASE_URL or
postgresql://postgres@127.0.0.1:5432/postgres); a fresh database per variant,
dropped afterwards. SQLite: a file in a temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import random
import statistics
import string
import sys
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Annotated, Any, TypedDict

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from langchain_core.language_models.chat_models import BaseChatModel  # noqa: E402
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage  # noqa: E402
from langchain_core.outputs import ChatGeneration, ChatResult  # noqa: E402
from langgraph.graph import END, START, StateGraph  # noqa: E402
from langgraph.graph.message import add_messages  # noqa: E402

from graph.agent import build_graph  # noqa: E402
from bot.queue.fencing import monitor_checkpoint_sizes  # noqa: E402
from bot.operators.retention import RetentionConfig, prune_once, run_retention_forever  # noqa: E402
from graph.shop import Shop  # noqa: E402
from graph.storage import open_storage  # noqa: E402
from graph.summary import SUMMARY_PROMPT, SummaryConfig, make_summarizer  # noqa: E402

MARKS = (10, 100, 1000)
STATS = {"max_context": 0}  # the most messages the model was given in one call


def text_of(seed: str, chars: int) -> str:
    rng = random.Random(hashlib.sha256(seed.encode()).digest())
    words = []
    while sum(len(w) + 1 for w in words) < chars:
        words.append("".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(2, 9))))
    return " ".join(words)[:chars]


class FastFakeModel(BaseChatModel):
    """Deterministic, instant answers of ``chars`` characters; summaries of ~600 characters."""

    chars: int = 400

    @property
    def _llm_type(self) -> str:
        return "bench-fake"

    def bind_tools(self, tools, **kwargs) -> "FastFakeModel":
        return self

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        first = messages[0] if messages else None
        if isinstance(first, SystemMessage) and first.content.startswith(SUMMARY_PROMPT[:60]):
            reply = "Customer name: Ada\nCurrent order: 1003\n" + text_of(str(messages[-1].content), 560)
        else:
            STATS["max_context"] = max(STATS["max_context"], len(messages))
            reply = text_of(f"answer {len(messages)} {messages[-1].content[:40]}", self.chars)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=reply))])


class NaiveState(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]


def naive_graph(checkpointer, model):
    async def agent(state: NaiveState) -> dict:
        return {"messages": [await model.ainvoke(state["messages"])]}

    builder = StateGraph(NaiveState)
    builder.add_node("agent", agent)
    builder.add_edge(START, "agent")
    builder.add_edge("agent", END)
    return builder.compile(checkpointer=checkpointer)


# -- sizes ---------------------------------------------------------------------------

PG_PHYSICAL = ("SELECT sum(pg_total_relation_size(t)) AS n FROM unnest("
               "ARRAY['checkpoints', 'checkpoint_blobs', 'checkpoint_writes']) AS t")
PG_LOGICAL = ("SELECT (SELECT coalesce(sum(pg_column_size(checkpoint) + pg_column_size(metadata)), 0) FROM checkpoints)"
              " + (SELECT coalesce(sum(octet_length(blob)), 0) FROM checkpoint_blobs)"
              " + (SELECT coalesce(sum(octet_length(blob)), 0) FROM checkpoint_writes) AS n")
SQLITE_PHYSICAL = ("SELECT coalesce(sum(pgsize), 0) AS n FROM dbstat WHERE name IN ('checkpoints', 'writes') "
                   "OR name LIKE 'sqlite_autoindex_checkpoints%' OR name LIKE 'sqlite_autoindex_writes%'")
SQLITE_LOGICAL = ("SELECT (SELECT coalesce(sum(length(checkpoint) + length(metadata)), 0) FROM checkpoints)"
                  " + (SELECT coalesce(sum(length(value)), 0) FROM writes) AS n")


async def sizes(storage) -> tuple[int, int]:
    """(physical bytes of the checkpoint tables incl. indexes, logical bytes of their data)."""
    if storage.db.dialect == "postgres":
        async with storage.pool.connection() as conn:
            physical = (await (await conn.execute(PG_PHYSICAL)).fetchone())["n"]
            logical = (await (await conn.execute(PG_LOGICAL)).fetchone())["n"]
        return int(physical or 0), int(logical or 0)
    conn = storage.checkpointer.conn
    async with storage.checkpointer.lock:
        physical = (await (await conn.execute(SQLITE_PHYSICAL)).fetchone())[0]
        logical = (await (await conn.execute(SQLITE_LOGICAL)).fetchone())[0]
    return int(physical or 0), int(logical or 0)


# -- one run ---------------------------------------------------------------------------

class PgDatabase:
    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.name = f"bench_long_{uuid.uuid4().hex[:8]}"

    def __enter__(self) -> str:
        with psycopg.connect(self.server_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        parts = urllib.parse.urlsplit(self.server_url)
        return urllib.parse.urlunsplit(parts._replace(path="/" + self.name))

    def __exit__(self, *exc) -> None:
        with psycopg.connect(self.server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


async def run_variant(url: str, variant: str, args) -> dict:
    STATS["max_context"] = 0
    model = FastFakeModel(chars=args.chars)
    result: dict[str, Any] = {"variant": variant, "times": [], "cpu": [], "bytes_at": {}}
    async with open_storage(url, pool_size=4) as storage:
        stop = asyncio.Event()
        retention = None
        if variant == "naive":
            graph = naive_graph(storage.checkpointer, model)
        else:
            saver = monitor_checkpoint_sizes(storage.checkpointer, RetentionConfig().warn_bytes)
            graph = build_graph(saver, model=model, shop=Shop(storage.db),
                                summarizer=make_summarizer(model, None, config=SummaryConfig()))
            retention = asyncio.create_task(run_retention_forever(
                storage, None, stop, config=RetentionConfig(interval_seconds=args.retention_interval,
                                                            vacuum=args.vacuum)))
        config = {"configurable": {"thread_id": f"bench:{variant}"}}
        started = time.perf_counter()
        for turn in range(1, args.turns + 1):
            message = HumanMessage(content=text_of(f"user {turn}", args.chars), id=f"m{turn}")
            t0, c0 = time.perf_counter(), time.process_time()
            await graph.ainvoke({"messages": [message]}, config)
            result["times"].append(time.perf_counter() - t0)
            result["cpu"].append(time.process_time() - c0)
            if turn in MARKS or turn == args.turns:
                result["bytes_at"][turn] = await sizes(storage)
            if args.progress and turn % args.progress == 0:
                print(f"  {variant} turn {turn}: {result['times'][-1] * 1000:.1f} ms", file=sys.stderr, flush=True)
        result["seconds"] = time.perf_counter() - started
        result["at_end"] = await sizes(storage)
        result["after_pass"] = result["at_end"]
        if retention is not None:
            stop.set()
            await retention
            await prune_once(storage, config=RetentionConfig(vacuum=args.vacuum))
            result["after_pass"] = await sizes(storage)
        state = await graph.aget_state(config)
        result["state_messages"] = len(state.values.get("messages", []))
        result["max_context"] = STATS["max_context"]
    return result


def median_around(times: list[float], turn: int, spread: int = 10) -> float | None:
    if turn > len(times):
        return None
    lo, hi = max(0, turn - 1 - spread), min(len(times), turn + spread)
    return statistics.median(times[lo:hi]) * 1000


def row(db: str, r: dict, turns: int) -> str:
    t10, t100, t1000 = (median_around(r["times"], m) for m in MARKS)
    physical, logical = r["after_pass"]
    at_end = r["at_end"][0]
    ratio = f"{t1000 / t10:.2f}×" if t1000 and t10 else f"{median_around(r['times'], turns) / t10:.2f}× (turn {turns})"

    c10, c_end = median_around(r["cpu"], 10), median_around(r["cpu"], min(turns, 1000))
    cpu_ratio = f"{c_end / c10:.2f}×" if c10 else "–"

    def ms(v):
        return f"{v:.1f}" if v is not None else "–"

    return (f"| {db} | {r['variant']} | {ms(t10)} | {ms(t100)} | {ms(t1000)} | {ratio} | {cpu_ratio} | "
            f"{at_end / 1e6:.2f} MB | {physical / 1e6:.2f} MB | {physical / turns / 1e3:.1f} KB | "
            f"{logical / turns / 1e3:.1f} KB | "
            f"{r['max_context']} | {r['seconds']:.0f} s |")


HEADER = ("| database | recipe | turn 10 (ms) | turn 100 (ms) | turn 1,000 (ms) | t(1,000)/t(10) | CPU ratio "
          "| stored at end | after a retention pass | stored per turn | data per turn "
          "| max messages to model | run time |\n"
          "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")


async def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200, help="turns per run (default %(default)s; the full run: 1000)")
    parser.add_argument("--chars", type=int, default=400, help="characters per message (default %(default)s)")
    parser.add_argument("--db", default="postgres,sqlite", help="postgres,sqlite (default both)")
    parser.add_argument("--variants", default="naive,ours")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
                        or "postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--retention-interval", type=float, default=1.0,
                        help="seconds between retention passes in 'ours' (default %(default)s)")
    parser.add_argument("--no-vacuum", dest="vacuum", action="store_false",
                        help="PostgreSQL: leave the space retention frees to autovacuum (default: VACUUM after a pass,"
                             " i.e. SUPPORTBOT_RETENTION_VACUUM=true; 1,000 turns take less than autovacuum's naptime)")
    parser.add_argument("--progress", type=int, default=0, help="print the turn time every N turns")
    args = parser.parse_args(argv)

    rows = []
    for db in [d.strip() for d in args.db.split(",") if d.strip()]:
        for variant in [v.strip() for v in args.variants.split(",") if v.strip()]:
            print(f"{db} / {variant}: {args.turns} turns ...", file=sys.stderr, flush=True)
            if db == "postgres":
                with PgDatabase(args.pg_url) as url:
                    result = await run_variant(url, variant, args)
            else:
                with tempfile.TemporaryDirectory(prefix="bench-long-") as folder:
                    result = await run_variant(f"sqlite:///{folder}/bench.db", variant, args)
            rows.append(row(db, result, args.turns))
            print(rows[-1], file=sys.stderr, flush=True)
    print(f"\n{args.turns} turns, {args.chars}-character messages\n")
    print(HEADER)
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
