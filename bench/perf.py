"""Issue 15: ours against the naive bot and the in-memory ceiling, in one run.

Three designs, each a real process behind signed HTTP, wired to the same fakes
(fake Slack Web API and fake OpenAI, each a process of its own):

* ``inbox``   ``supportbot serve``: inbox write before the ack, workers, outbox;
* ``naive``   a Bolt listener that runs the same graph itself and stores nothing of
              its own (``bench/inbox.py --serve-naive``);
* ``ceiling`` the naive design on ``memory://`` (the same graph on ``InMemorySaver``).

Sections (``--only``):

* ``burst``       50 new threads at once, each model call ``--model-seconds``: wall time
                  until the 50th answer is in Slack;
* ``ack``         50 concurrent deliveries × 4 bursts: median and p99 as the sender sees it;
* ``throughput``  100 threads × 5 messages (each message sent when the previous answer
                  arrived), instant model: turns/s and the server's CPU ms a turn;
* ``statements``  SQL statements a turn on PostgreSQL by kind (counted inside the
                  server process at psycopg's send calls), from the throughput runs;
* ``profile``     one extra throughput run of ours under cProfile: where a turn's CPU goes.

    .venv/bin/python bench/perf.py --runs 5 --pg-url postgresql://postgres@127.0.0.1:5432/test

It prints a Markdown section; ``--write`` puts it into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import inbox as inbox_bench  # noqa: E402  (bench/inbox.py: the naive design, the fake Slack, bursts)
from tests.durability.botproc import BotProcess, free_port  # noqa: E402
from tests.support import statements  # noqa: E402
from tests.support.slack_requests import event_callback, message_event, sign  # noqa: E402
from tests.durability.botproc import SECRET  # noqa: E402

THREADS, MESSAGES = 100, 5
UNACKED = [0]  # throughput deliveries answered with an error (and sent again), all runs
BURST = 50
STATS_ENV = "BENCH_STATS_FILE"  # the server writes its counters here on SIGUSR1
PROFILE_ENV = "BENCH_PROFILE_FILE"

# Figures measured before issue 15's changes (the issue's own numbers, same harness design).
BEFORE = {
    "burst": "ours 4.4–4.6 s (16 workers), naive 1.4 s: 3.1×",
    "ack_p99": "1.4–2.6×",
    "ack_median": "33 ms vs 12–14 ms: 2.4–2.8×",
    "throughput_sqlite": "—",
    "throughput_postgres": "41.6 vs ceiling 165 turns/s: 0.25×",
    "cpu_postgres": "23.4 ms (naive 9.5, ceiling 4.6)",
    "cpu_sqlite": "14.5 ms on the aiosqlite thread (naive 3.9)",
    "statements": "62.6 (naive 20)",
}


# -- inside the server process ---------------------------------------------------------

def serve(design: str) -> None:
    counter: collections.Counter = collections.Counter()
    statements.install(counter)
    profiler = None
    if os.environ.get(PROFILE_ENV):
        import cProfile

        profiler = cProfile.Profile()

    def dump(*_):
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(os.environ[PROFILE_ENV])
            # Each dump starts the next profile afresh: the one after the timed part holds only
            # its turns (not start-up imports nor the warm-up).
            profiler.clear()
            profiler.enable()
        Path(os.environ[STATS_ENV]).write_text(json.dumps(dict(counter)))

    signal.signal(signal.SIGUSR1, dump)
    if profiler is not None:
        profiler.enable()
    if design == "inbox":
        from bot.cli import main as cli_main

        sys.exit(cli_main(["serve"]))
    asyncio.run(inbox_bench.serve_naive())


# -- the driver --------------------------------------------------------------------------

class Harness(inbox_bench.Harness):
    """bench/inbox.py's harness (fake Slack, fresh databases) with a second fake OpenAI:
    one answers at once (throughput), one after ``--model-seconds`` (burst, ack)."""

    def __enter__(self) -> "Harness":
        super().__enter__()
        self.slow_openai_url = self.openai_url
        self.fast_proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.openai_server", "--port", str(free_port()), "--delay", "0"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.fast_openai_url = self.fast_proc.stdout.readline().strip()
        return self

    def __exit__(self, *exc) -> None:
        self.fast_proc.kill()
        super().__exit__(*exc)

    def bench_server(self, design: str, db: str, *, fast: bool, profile: bool = False) -> BotProcess:
        url = "memory://" if design == "ceiling" else self.fresh_db(db)
        self.openai_url = self.fast_openai_url if fast else self.slow_openai_url
        stats = self.workdir / f"stats{self.seq}.json"
        env = {STATS_ENV: str(stats)}
        if profile:
            env[PROFILE_ENV] = str(self.workdir / f"profile{self.seq}.prof")
        proc = self.server("inbox" if design == "inbox" else "naive", url, **env)
        proc.command = [sys.executable, str(Path(__file__).resolve()), "--serve",
                        "inbox" if design == "inbox" else "naive"]
        proc.stats_path = stats
        return proc

    async def answers(self) -> collections.Counter:
        """Answers posted so far, per thread_ts (one post or one stream per answer)."""
        async with aiohttp.ClientSession() as session:
            async with session.get(self.slack_url.replace("/api/", "/bench/answers")) as response:
                return collections.Counter(await response.json())


def read_stats(proc: BotProcess) -> collections.Counter:
    proc.stats_path.unlink(missing_ok=True)
    os.kill(proc.proc.pid, signal.SIGUSR1)
    deadline = time.monotonic() + 30
    while not proc.stats_path.exists() or not proc.stats_path.stat().st_size:
        if time.monotonic() > deadline:
            raise RuntimeError("server wrote no stats")
        time.sleep(0.02)
    time.sleep(0.05)
    return collections.Counter(json.loads(proc.stats_path.read_text()))


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def signed_in_thread(text: str, ts: str, thread_ts: str | None) -> tuple[bytes, dict]:
    mention = "" if thread_ts else "<@UBOT> "
    body = json.dumps(event_callback(message_event("C1", "U1", f"{mention}{text}", ts, thread_ts=thread_ts)))
    return body.encode(), {"Content-Type": "application/json", **sign(SECRET, body)}


async def conversations(h: Harness, url: str, threads: int, messages: int) -> None:
    """``threads`` conversations at once; each sends its next message once the last is answered."""
    roots = [h.next_ts() for _ in range(threads)]
    done = {ts: 0 for ts in roots}
    events = {ts: asyncio.Event() for ts in roots}

    async def watch() -> None:
        while True:
            counts = await h.answers()
            for ts in roots:
                if counts.get(ts, 0) > done[ts]:
                    done[ts] = counts[ts]
                    events[ts].set()
            await asyncio.sleep(0.02)

    async def talk(session, root: str) -> None:
        for n in range(messages):
            ts = root if n == 0 else h.next_ts()
            body, headers = signed_in_thread(f"message {n} of {root}", ts, None if n == 0 else root)
            events[root].clear()
            for attempt in range(30):  # as Slack does: an unacked delivery is sent again
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                if response.status == 200:
                    break
                UNACKED[0] += 1
                await asyncio.sleep(0.5)
            else:
                raise RuntimeError(f"delivery never acked: {response.status}")
            while done[root] <= n:
                await asyncio.wait_for(events[root].wait(), 120)
                events[root].clear()

    watcher = asyncio.create_task(watch())
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            await asyncio.gather(*(talk(session, root) for root in roots))
    finally:
        watcher.cancel()


async def throughput_run(h: Harness, design: str, db: str, profile: bool = False) -> dict:
    server = h.bench_server(design, db, fast=True, profile=profile).start(timeout=120)
    try:
        await conversations(h, server.events_url, 3, 2)  # warm-up: connections, caches, first-use imports
        before, cpu0, t0 = read_stats(server), cpu_seconds(server.proc.pid), time.monotonic()
        await conversations(h, server.events_url, h.args.threads, MESSAGES)
        wall, cpu = time.monotonic() - t0, cpu_seconds(server.proc.pid) - cpu0
        sent = read_stats(server) - before
        turns = h.args.threads * MESSAGES
        result = {"turns_s": turns / wall, "cpu_ms": cpu / turns * 1000, "wall_s": wall,
                  "statements": {k: v / turns for k, v in sent.items()}}
        if profile:
            result["profile"] = server.env[PROFILE_ENV]
        return result
    finally:
        server.kill()


async def burst_run(h: Harness, design: str, db: str) -> dict:
    h.openai_url = h.slow_openai_url
    return await inbox_bench.throughput_run(h, "inbox" if design == "inbox" else "naive", db, None)


async def ack_run(h: Harness, design: str, db: str) -> dict:
    h.openai_url = h.slow_openai_url
    return await inbox_bench.ack_run(h, "inbox" if design == "inbox" else "naive", db)


# -- CPU profile summary ------------------------------------------------------------------------

AREAS = [("psycopg", "psycopg / pool"), ("aiosqlite", "aiosqlite"), ("sqlite3", "aiosqlite"),
         ("langgraph/checkpoint", "checkpoint savers"), ("langgraph", "LangGraph runtime"),
         ("langchain_openai", "langchain-openai / openai"), ("openai", "langchain-openai / openai"),
         ("langchain_core", "langchain-core"), ("slack_bolt", "Bolt"), ("slack_sdk", "slack_sdk"),
         ("aiohttp", "aiohttp"), ("httpx", "httpx"), ("httpcore", "httpx"), ("pydantic", "pydantic"),
         ("/bot/", "bot/ (ours)"), ("/graph/", "graph/ (ours)"), ("asyncio", "asyncio event loop"),
         ("json", "json"), ("logging", "logging")]


def profile_summary(path: str, turns: int) -> list[tuple[str, float]]:
    """Own time (tottime) per library, in ms a turn."""
    import pstats

    stats = pstats.Stats(path)
    areas: dict[str, float] = collections.defaultdict(float)
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        area = next((label for key, label in AREAS if key in filename), "other (C built-ins, stdlib)")
        areas[area] += tottime
    return sorted(((k, v / turns * 1000) for k, v in areas.items()), key=lambda kv: -kv[1])


# -- report ---------------------------------------------------------------------------------------

def med(values) -> float:
    return statistics.median(values)


def span(values, unit: str = "", digits: int = 1) -> str:
    return f"**{med(values):.{digits}f}{unit}** [{min(values):.{digits}f}–{max(values):.{digits}f}]"


def report(args, results: dict, load: tuple, minutes: float) -> str:
    out = ["## Performance against the naive bot and the in-memory ceiling (issue 15)", ""]
    out.append("`bench/perf.py`: every design a real process behind signed HTTP, the same fake Slack and "
               "fake OpenAI processes, one run for all (design in the module docstring).")
    out.append("")
    out.append("```")
    out.append(f".venv/bin/python bench/perf.py --runs {args.runs} --db {args.db} --write")
    out.append("```")
    out.append("")
    out.append(f"Machine: {os.cpu_count()} CPUs shared with other jobs, {platform.python_implementation()} "
               f"{platform.python_version()}, load average {load[0]:.1f} before / {load[1]:.1f} after; "
               f"{args.runs} runs each, median **bold** [min–max]; {minutes:.1f} min in all.")
    out.append("")
    out.append("| goal | before (issue 15) | ours | naive | ceiling | ratio now | met |")
    out.append("|---|---|---|---|---|---|---|")
    r = results
    if r.get("burst"):
        ours, naive = [x["wall_s"] for x in r["burst"]["inbox"]], [x["wall_s"] for x in r["burst"]["naive"]]
        ratio = med(ours) / med(naive)
        out.append(f"| {BURST} × {args.model_seconds:g} s burst ≤ 1.2× naive ({r['burst_db']}) | {BEFORE['burst']} "
                   f"| {span(ours, ' s', 2)} | {span(naive, ' s', 2)} | — | {ratio:.2f}× | "
                   f"{'yes' if ratio <= 1.2 else 'no'} |")
    if r.get("ack"):
        ours, naive = r["ack"]["inbox"], r["ack"]["naive"]
        p99 = med([x["p99_ms"] for x in ours]) / med([x["p99_ms"] for x in naive])
        p50 = med([x["median_ms"] for x in ours]) / med([x["median_ms"] for x in naive])
        out.append(f"| ack p99 ≤ 1.3× naive ({r['ack_db']}) | {BEFORE['ack_p99']} "
                   f"| {span([x['p99_ms'] for x in ours], ' ms')} | {span([x['p99_ms'] for x in naive], ' ms')} "
                   f"| — | {p99:.2f}× | {'yes' if p99 <= 1.3 else 'no'} |")
        out.append(f"| ack median ≤ 1.5× naive ({r['ack_db']}) | {BEFORE['ack_median']} "
                   f"| {span([x['median_ms'] for x in ours], ' ms')} "
                   f"| {span([x['median_ms'] for x in naive], ' ms')} | — | {p50:.2f}× | "
                   f"{'yes' if p50 <= 1.5 else 'no'} |")
    for db, runs in r.get("throughput", {}).items():
        goal = 0.5 if db == "postgres" else 0.4
        ours, naive, ceiling = ([x["turns_s"] for x in runs[d]] for d in ("inbox", "naive", "ceiling"))
        ratio = med(ours) / med(ceiling)
        out.append(f"| throughput on {db} ≥ {goal}× ceiling (turns/s) | {BEFORE['throughput_' + db]} "
                   f"| {span(ours)} | {span(naive)} | {span(ceiling)} | {ratio:.2f}× | "
                   f"{'yes' if ratio >= goal else 'no'} |")
        cpu = [[x["cpu_ms"] for x in runs[d]] for d in ("inbox", "naive", "ceiling")]
        out.append(f"| server CPU a turn on {db} (ms) | {BEFORE['cpu_' + db]} | {span(cpu[0])} | {span(cpu[1])} "
                   f"| {span(cpu[2])} | {med(cpu[0]) / med(cpu[2]):.2f}× | — |")
        if db == "postgres":
            stmts = [sum(x["statements"].values()) for x in runs["inbox"]]
            naive_stmts = [sum(x["statements"].values()) for x in runs["naive"]]
            out.append(f"| SQL statements a turn on PostgreSQL ≤ 25 | {BEFORE['statements']} | {span(stmts)} "
                       f"| {span(naive_stmts)} | 0 | — | {'yes' if med(stmts) <= 25 else 'no'} |")
    out.append("")
    out.append(f"Throughput: {args.threads} threads × {MESSAGES} messages, each message sent when the previous "
               "answer arrived, the fake model answering at once; CPU is the server process's user+system time "
               "over the timed part divided by its turns. Ack: 50 concurrent deliveries × 4 bursts after a "
               f"warm-up burst, model call {args.model_seconds:g} s. Burst: {BURST} new threads at once.")
    if r.get("unacked"):
        out.append(f"During the throughput runs {r['unacked']} deliveries were answered 500 and sent again (as "
                   "Slack does): the ack could not get a pooled connection within its 2 s (see below).")
    out.append("")
    pg = r.get("throughput", {}).get("postgres")
    if pg:
        out.append("Statements a turn on PostgreSQL by kind (counted in the server at psycopg's send calls; "
                   "median of runs):")
        out.append("")
        out.append("| kind | ours | naive |")
        out.append("|---|---:|---:|")
        ours = [statements.by_kind(x["statements"]) for x in pg["inbox"]]
        naive = [statements.by_kind(x["statements"]) for x in pg["naive"]]
        kinds = sorted({k for d in ours + naive for k in d})
        for k in kinds:
            out.append(f"| {k} | {med([d.get(k, 0) for d in ours]):.1f} | {med([d.get(k, 0) for d in naive]):.1f} |")
        out.append("")
    if r.get("profile"):
        out.append(f"Where a turn's CPU goes (ours, {r['profile_db']}, one throughput run under cProfile, own time "
                   "per library in ms a turn; cProfile inflates every figure, the shares are what matter):")
        out.append("")
        out.append("| area | ms a turn |")
        out.append("|---|---:|")
        for area, ms in r["profile"][:12]:
            out.append(f"| {area} | {ms:.2f} |")
        out.append("")
    out.append(END_MARK)
    return "\n".join(out)


END_MARK = "<!-- end of bench/perf.py output -->"


def write_section(text: str) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    doc = path.read_text()
    head = "## Performance against the naive bot and the in-memory ceiling (issue 15)"
    if head in doc:  # replace the last run's output, keep what follows it
        start = doc.index(head)
        end = doc.find(END_MARK, start)
        end = end + len(END_MARK) if end >= 0 else len(doc)
        doc = doc[:start] + text.rstrip() + doc[end:]
    else:
        doc = doc.rstrip() + "\n\n" + text.rstrip() + "\n"
    path.write_text(doc)


async def main_async(args) -> dict:
    dbs = [d.strip() for d in args.db.split(",") if d.strip()]
    sections = set(args.only.split(",")) if args.only else {"burst", "ack", "throughput", "profile"}
    results: dict = {"throughput": {}}
    first = dbs[0]
    with Harness(args) as h:
        if "burst" in sections:
            results["burst_db"] = first
            results["burst"] = {d: [await burst_run(h, d, first) for _ in range(args.runs)] for d in ("inbox", "naive")}
            log(f"burst: {results['burst']}")
        if "ack" in sections:
            results["ack_db"] = first
            results["ack"] = {d: [await ack_run(h, d, first) for _ in range(args.runs)] for d in ("inbox", "naive")}
            log(f"ack: {results['ack']}")
        if "throughput" in sections:
            for db in dbs:
                runs: dict = {d: [] for d in ("inbox", "naive", "ceiling")}
                for _ in range(args.runs):  # designs interleaved, so a load spike hits all of them
                    for design in runs:
                        runs[design].append(await throughput_run(h, design, db))
                results["throughput"][db] = runs
                log(f"throughput {db}: " + json.dumps({d: [round(x['turns_s'], 1) for x in v] for d, v in runs.items()}))
        if "profile" in sections:
            run = await throughput_run(h, "inbox", first, profile=True)
            results["profile_db"] = first
            results["profile"] = profile_summary(run["profile"], args.threads * MESSAGES)
    results["unacked"] = UNACKED[0]
    return results


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", choices=["inbox", "naive"], help=argparse.SUPPRESS)
    parser.add_argument("--db", default="postgres,sqlite", help="the first one is used for burst, ack and profile")
    parser.add_argument("--pg-url", default=os.environ.get("TEST_DATABASE_URL",
                                                           "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=THREADS, help="throughput: conversations at once")
    parser.add_argument("--model-seconds", type=float, default=1.0)
    parser.add_argument("--lease", type=float, default=30.0)
    parser.add_argument("--only", default="", help="comma-separated: burst, ack, throughput, profile")
    parser.add_argument("--json", default="", help="also write the raw numbers here")
    parser.add_argument("--write", action="store_true", help="put the section into docs/benchmarks.md")
    parser.add_argument("--bot-env", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()
    args.bot_env = dict(item.split("=", 1) for item in args.bot_env)
    if args.serve:
        serve(args.serve)
        return
    load0, started = os.getloadavg(), time.monotonic()
    results = asyncio.run(main_async(args))
    text = report(args, results, (load0[0], os.getloadavg()[0]), (time.monotonic() - started) / 60)
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))
    if args.write:
        write_section(text)


if __name__ == "__main__":
    main()
