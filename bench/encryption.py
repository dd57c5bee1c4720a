"""What encryption at rest costs a turn: the demo agent with and without SUPPORTBOT_ENCRYPTION_KEY.

Each run: one conversation of TURNS turns ("where is order 1001?" -> lookup_order ->
answer) through the real graph and checkpointer, in a fresh SQLite file (or a fresh
PostgreSQL database with --url). Reported: median ms per turn over RUNS runs per mode
(modes alternate), and the at-rest size of the checkpoints.

    .venv/bin/python bench/encryption.py [--url postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph.agent import build_graph, human_message  # noqa: E402
from graph.demo_model import DemoChatModel  # noqa: E402
from graph.shop import Shop  # noqa: E402
from graph.storage import open_storage  # noqa: E402
from tests.support import postgres  # noqa: E402

TURNS, RUNS = 30, 5


async def one_run(url: str, keys) -> float:
    async with open_storage(url, pool_size=4, keys=keys) as storage:
        graph = build_graph(storage.checkpointer, model=DemoChatModel(), shop=Shop(storage.db))
        config = {"configurable": {"thread_id": "bench"}}
        started = time.perf_counter()
        for n in range(TURNS):
            await graph.ainvoke({"messages": [human_message(f"where is order 1001? ({n})")]}, config)
        return (time.perf_counter() - started) / TURNS * 1000


def fresh(url: str | None, folder: str, n: int) -> str:
    return postgres.fresh_database(url) if url else f"sqlite:///{folder}/bench{n}.db"


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", help="a PostgreSQL server (default: SQLite files)")
    args = parser.parse_args()
    results: dict[str, list[float]] = {"plain": [], "encrypted": []}
    with tempfile.TemporaryDirectory() as folder:
        for n in range(RUNS * 2 + 2):
            mode = "plain" if n % 2 == 0 else "encrypted"
            url = fresh(args.url, folder, n)
            ms = await one_run(url, [secrets.token_bytes(32)] if mode == "encrypted" else None)
            if args.url:
                postgres.drop_database(url)
            if n >= 2:  # the first of each mode warms up
                results[mode].append(ms)
    for mode, values in results.items():
        print(f"{mode:9s} median {statistics.median(values):6.1f} ms/turn  (runs: "
              + ", ".join(f"{v:.1f}" for v in values) + ")")


if __name__ == "__main__":
    asyncio.run(main())
