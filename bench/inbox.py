"""The durable inbox against the naive design: ack latency, 50 threads
answered by one process, and recovery after SIGKILL.

Every server is a real process: `supportbot serve`, or the naive design built here
(``--serve-naive``): a slack_bolt AsyncApp whose message listener runs the same
agent graph and posts the answer itself, with no inbox. The fake OpenAI server runs
as its own process (every model call takes ``--model-seconds``); the fake Slack Web
API runs on a thread of this process. Requests are signed like Slack's.

* ack latency: after a warm-up burst, BURSTS bursts of 50 concurrent deliveries
  (new threads, so the workers run the model meanwhile); latency as the sender
  sees it, from sending the request to reading the answer. Median and p99 per run.
* 50 threads: 50 deliveries at once, wall time until the 50th answer is in Slack.
* recovery: the process running a thread is SIGKILLed during its model call.
  "takeover": a second process on the same database claims it (time until the
  claim and until the answer); "restart": the one process is started again at
  once (time until the answer, process start included). The naive design is
  restarted the same way.

Each figure is the median over ``--runs`` runs (min-max in brackets); every run uses
a fresh database and fresh processes.

    .venv/bin/python bench/inbox.py --db sqlite,postgres --runs 5 \
        --pg-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.durability.botproc import SECRET, BotProcess, bot_env, free_port, query  # noqa: E402
from tests.support.slack_requests import event_callback, message_event, sign  # noqa: E402

CONCURRENCY = 50
BURSTS = 4


# -- the naive design: the graph runs inside the Bolt listener -----------------------

async def serve_naive() -> None:
    from aiohttp import web
    from langchain_core.messages import HumanMessage
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.config import load_settings
    from bot.agent import agent_graph
    from graph.model import make_chat_model
    from graph.storage import open_storage

    settings = load_settings()
    # Bolt's default acks first and runs the listener afterwards; "sync" is
    # process_before_response=True, the FaaS setting: the ack waits for the listener.
    sync = os.environ.get("NAIVE_MODE") == "sync"
    async with open_storage(settings.database_url, pool_size=settings.database_pool_size) as storage:
        model = make_chat_model(settings.openai_api_key, settings.openai_base_url, settings.supportbot_model)
        graph = agent_graph(settings, storage, model)
        client = AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
        app = AsyncApp(client=client, signing_secret=settings.slack_signing_secret, process_before_response=sync)

        async def on_message(event, context):
            if event.get("bot_id") or event.get("subtype") or not event.get("user"):
                return
            thread_ts = event.get("thread_ts") or event["ts"]
            text = (event.get("text") or "").replace(f"<@{context.bot_user_id}>", "").strip()
            config = {"configurable": {"thread_id": f"slack:{context.team_id}:{event['channel']}:{thread_ts}"}}
            state = await graph.ainvoke({"messages": [HumanMessage(text)]}, config)
            await client.chat_postMessage(channel=event["channel"], thread_ts=thread_ts,
                                          text=state["messages"][-1].content)

        app.event("message")(on_message)

        async def events(request):
            return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

        async def healthz(request):
            return web.json_response({"ok": True})

        web_app = web.Application()
        web_app.router.add_post("/slack/events", events)
        web_app.router.add_get("/healthz", healthz)
        runner = web.AppRunner(web_app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", settings.port).start()
        print(f"naive serving on :{settings.port}", flush=True)
        await asyncio.Event().wait()


def serve_fake_slack(port: int) -> None:
    """The fake Slack Web API in a process of its own (so its work does not slow the
    sender being timed), plus GET /bench/answered: the thread_ts the bot posted into."""
    import threading

    from aiohttp import web

    from tests.fakes.slack_server import FakeSlack

    class BenchSlack(FakeSlack):
        def build_app(self) -> web.Application:
            app = super().build_app()
            app.router.add_get("/bench/answered", self._answered)
            app.router.add_get("/bench/answers", self._answers)
            return app

        def _answer_threads(self) -> list[str]:
            return [c.params.get("thread_ts") for m in ("chat.postMessage", "chat.startStream")
                    for c in self.calls_to(m) if c.ok and c.params.get("thread_ts")]

        async def _answered(self, request: web.Request) -> web.Response:
            return web.json_response(sorted(set(self._answer_threads())))

        async def _answers(self, request: web.Request) -> web.Response:
            # How many answers each thread got (bench/perf.py: conversations of several turns).
            counts: dict[str, int] = {}
            for ts in self._answer_threads():
                counts[ts] = counts.get(ts, 0) + 1
            return web.json_response(counts)

    fake = BenchSlack(port).start()
    print(fake.api_url, flush=True)
    threading.Event().wait()


# -- harness -------------------------------------------------------------------------

class Harness:
    def __init__(self, args) -> None:
        self.args = args
        self.workdir = Path(tempfile.mkdtemp(prefix="bench-inbox-"))
        self.made_dbs: list[str] = []
        self.seq = 0

    def __enter__(self) -> "Harness":
        self.slack_proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve-fake-slack", str(free_port())],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.slack_url = self.slack_proc.stdout.readline().strip()
        assert self.slack_url.startswith("http"), "fake Slack did not start"
        self.openai_proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.openai_server", "--port", str(free_port()),
             "--delay", str(self.args.model_seconds)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.openai_url = self.openai_proc.stdout.readline().strip()
        assert self.openai_url.startswith("http"), "fake OpenAI did not start"
        return self

    def __exit__(self, *exc) -> None:
        self.openai_proc.kill()
        self.slack_proc.kill()
        from tests.support import postgres

        for url in self.made_dbs:
            postgres.drop_database(url)

    def fresh_db(self, db: str) -> str:
        if db == "sqlite":
            self.seq += 1
            return f"sqlite:///{self.workdir}/bench{self.seq}.db"
        from tests.support import postgres

        url = postgres.fresh_database(self.args.pg_url)
        self.made_dbs.append(url)
        return url

    def server(self, design: str, database_url: str, **env) -> BotProcess:
        self.seq += 1
        environment = bot_env(database_url, self.slack_url, self.openai_url, lease=self.args.lease, workers=None,
                              **{"SUPPORTBOT_LOG_LEVEL": "WARNING", **self.args.bot_env, **env})
        if design == "inbox":
            return BotProcess(environment, self.workdir, name=f"bot{self.seq}")
        environment["NAIVE_MODE"] = "sync" if design == "naive-sync" else "ack-first"
        return BotProcess(environment, self.workdir, name=f"naive{self.seq}",
                          command=[sys.executable, str(Path(__file__).resolve()), "--serve-naive"])

    async def answered(self, thread_ts: set[str]) -> int:
        async with aiohttp.ClientSession() as session:
            async with session.get(self.slack_url.replace("/api/", "/bench/answered")) as response:
                return len(thread_ts & set(await response.json()))

    async def wait_answered(self, thread_ts: set[str], timeout: float) -> float | None:
        deadline = time.monotonic() + timeout
        while await self.answered(thread_ts) < len(thread_ts):
            if time.monotonic() > deadline:
                return None
            await asyncio.sleep(0.01)
        return time.monotonic()

    def next_ts(self) -> str:
        self.seq += 1
        return f"{1_600_000_000 + self.seq}.000100"


def signed(text: str, ts: str) -> tuple[bytes, dict]:
    body = json.dumps(event_callback(message_event("C1", "U1", f"<@UBOT> {text}", ts)))
    return body.encode(), {"Content-Type": "application/json", **sign(SECRET, body)}


async def burst(session: aiohttp.ClientSession, url: str, requests: list[tuple[bytes, dict]]) -> list[float]:
    async def one(body, headers) -> float:
        started = time.perf_counter()
        async with session.post(url, data=body, headers=headers) as response:
            await response.read()
            assert response.status == 200, response.status
        return time.perf_counter() - started

    return list(await asyncio.gather(*(one(b, h) for b, h in requests)))


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


# -- measurements ---------------------------------------------------------------------

async def ack_run(h: Harness, design: str, db: str) -> dict:
    server = h.server(design, h.fresh_db(db)).start(timeout=120)
    try:
        latencies: list[float] = []
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            for n in range(BURSTS + 1):  # the first burst warms up connections and caches
                threads = [h.next_ts() for _ in range(CONCURRENCY)]
                requests = [signed(f"ack {ts}", ts) for ts in threads]
                times = await burst(session, server.events_url, requests)
                if n:
                    latencies += times
                if await h.wait_answered(set(threads), 60) is None:
                    raise RuntimeError(f"{design}/{db}: burst {n} not answered\n{server.log_tail()}")
            write = await server_write_quantiles(session, server.url) if design == "inbox" else {}
        return {"median_ms": statistics.median(latencies) * 1000, "p99_ms": pct(latencies, 99) * 1000,
                "max_ms": max(latencies) * 1000, "samples": len(latencies), **write}
    finally:
        server.kill()


async def write_run(h: Harness, db: str) -> dict:
    """The inbox write alone (``bot.queue.intake.accept``, in this process, no HTTP, no Bolt, no
    workers): 50 at once × BURSTS after a warm-up burst, and 50 one after the other."""
    from bot.queue.inbox import Inbox
    from bot.queue.intake import accept, classify
    from graph.storage import open_storage

    async with open_storage(h.fresh_db(db)) as storage:
        inbox = Inbox(storage.db, h.args.lease)

        async def one() -> float:
            ts = h.next_ts()
            intake = classify(message_event("C1", "U1", "<@UBOT> hello", ts), "T1", "UBOT")
            started = time.perf_counter()
            await accept(inbox, intake, require_joined=False)
            return time.perf_counter() - started

        together: list[float] = []
        for n in range(BURSTS + 1):
            times = await asyncio.gather(*(one() for _ in range(CONCURRENCY)))
            if n:
                together += times
        alone = [await one() for _ in range(CONCURRENCY)]
    return {"median_ms": statistics.median(together) * 1000, "p99_ms": pct(together, 99) * 1000,
            "alone_median_ms": statistics.median(alone) * 1000}


async def server_write_quantiles(session: aiohttp.ClientSession, url: str) -> dict:
    """The bot's own timing of the inbox write (``supportbot_ack_seconds``, all bursts and the
    warm-up): the upper bound of the histogram bucket holding the median and the p99."""
    async with session.get(f"{url}/metrics") as response:
        text = await response.text()
    buckets = []
    for line in text.splitlines():
        if line.startswith("supportbot_ack_seconds_bucket"):
            le = line.split('le="')[1].split('"')[0]
            buckets.append((float(le), float(line.rsplit(" ", 1)[1])))
    total = buckets[-1][1]

    def bound(q: float) -> float:
        return next(le for le, count in buckets if count >= q * total) * 1000

    return {"write_p50_le_ms": bound(0.5), "write_p99_le_ms": bound(0.99)}


async def throughput_run(h: Harness, design: str, db: str, workers: int | None) -> dict:
    env = {"SUPPORTBOT_WORKERS": str(workers)} if workers else {}
    server = h.server(design, h.fresh_db(db), **env).start(timeout=120)
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            warm = h.next_ts()
            await burst(session, server.events_url, [signed("warm-up", warm)])
            await h.wait_answered({warm}, 30)
            threads = [h.next_ts() for _ in range(CONCURRENCY)]
            requests = [signed(f"load {ts}", ts) for ts in threads]
            started = time.monotonic()
            await burst(session, server.events_url, requests)
            done = await h.wait_answered(set(threads), 120)
        if done is None:
            raise RuntimeError(f"{design}/{db}: not all answered\n{server.log_tail()}")
        return {"wall_s": done - started}
    finally:
        server.kill()


async def deliver_one(url: str, text: str, ts: str) -> None:
    body, headers = signed(text, ts)
    async with aiohttp.ClientSession() as session:
        async with session.post(url, data=body, headers=headers) as response:
            assert response.status == 200, response.status


def lease_of(database_url: str, thread_id: str) -> tuple[str, int] | None:
    rows = query(database_url, "SELECT owner, fence FROM thread_leases WHERE thread_id = ?", (thread_id,))
    return (rows[0][0], int(rows[0][1])) if rows else None


async def poll(predicate, timeout: float, every: float = 0.01):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            return None
        await asyncio.sleep(every)
    return value


async def recovery_run(h: Harness, design: str, db: str, mode: str) -> dict:
    url = h.fresh_db(db)
    first = h.server(design, url).start(timeout=120)
    second = h.server(design, url).start(timeout=120) if mode == "takeover" else None
    procs = [p for p in (first, second) if p]
    try:
        ts = h.next_ts()
        thread_id = f"slack:T1:C1:{ts}"
        await deliver_one(first.events_url, "recover me", ts)
        if design == "inbox":
            claimed = await poll(lambda: lease_of(url, thread_id), 30)
            victim = next(p for p in procs if f":{p.proc.pid}:" in claimed[0])
        else:
            victim = first
        await asyncio.sleep(min(0.3, h.args.model_seconds / 3))  # well inside the model call
        if await h.answered({ts}):
            raise RuntimeError("answered before the kill; use a longer --model-seconds")
        killed = time.monotonic()
        victim.kill()
        result: dict = {}
        if mode == "restart":
            victim.start(timeout=120)
            result["restarted_s"] = time.monotonic() - killed
        if design == "inbox":
            took = await poll(lambda: (lease_of(url, thread_id) or ("", 0))[1] >= 2, 60)
            result["claimed_s"] = time.monotonic() - killed if took else None
        limit = h.args.lease + 2 + h.args.model_seconds + result.get("restarted_s", 0) + 5
        done = await h.wait_answered({ts}, limit)
        result["answered_s"] = done - killed if done else None
        return result
    finally:
        for p in procs:
            p.kill()


# -- reporting --------------------------------------------------------------------------

def summary(values: list[float | None], unit: str = "", digits: int = 1) -> str:
    if any(v is None for v in values):
        lost = sum(v is None for v in values)
        return f"lost {lost}/{len(values)}" + (
            f"; others {statistics.median([v for v in values if v is not None]):.{digits}f}{unit}"
            if lost < len(values) else "")
    return (f"**{statistics.median(values):.{digits}f}{unit}** "
            f"[{min(values):.{digits}f}–{max(values):.{digits}f}]")


DESIGN_NAMES = {"inbox": "inbox (`supportbot serve`)",
                "naive": "naive, Bolt default (ack, then graph in listener)",
                "naive-sync": "naive, process_before_response=True (graph, then ack)"}


async def main_async(args) -> None:
    dbs = [d.strip() for d in args.db.split(",") if d.strip()]
    results: dict = {"ack": {}, "write": {}, "throughput": {}, "recovery": {}}
    sections = set(args.only.split(",")) if args.only else {"ack", "throughput", "recovery"}
    load_before = os.getloadavg()
    started = time.monotonic()
    with Harness(args) as h:
        for db in dbs:
            if "ack" in sections:
                results["write"][db] = [await write_run(h, db) for _ in range(args.runs)]
                log(f"write {db}: {results['write'][db]}")
                for design in ("inbox", "naive", "naive-sync"):
                    runs = args.runs if design != "naive-sync" else max(1, min(args.runs, 3))
                    results["ack"][(db, design)] = [await ack_run(h, design, db) for _ in range(runs)]
                    log(f"ack {db} {design}: {results['ack'][(db, design)]}")
            if "throughput" in sections:
                for design, workers in (("inbox", None), ("inbox", 64), ("naive", None)):
                    key = (db, design, workers)
                    results["throughput"][key] = [await throughput_run(h, design, db, workers)
                                                  for _ in range(args.runs)]
                    log(f"throughput {key}: {results['throughput'][key]}")
            if "recovery" in sections:
                for design, mode in (("inbox", "takeover"), ("inbox", "restart"), ("naive", "restart")):
                    key = (db, design, mode)
                    results["recovery"][key] = [await recovery_run(h, design, db, mode)
                                                for _ in range(args.runs)]
                    log(f"recovery {key}: {results['recovery'][key]}")
    report(args, results, load_before, os.getloadavg(), time.monotonic() - started)


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def report(args, results, load_before, load_after, seconds) -> None:
    out = []
    out.append(f"Machine: {os.cpu_count()} CPUs, {platform.python_implementation()} {platform.python_version()}, "
               f"load average {load_before[0]:.1f} before / {load_after[0]:.1f} after; "
               f"{args.runs} runs; model call {args.model_seconds:g} s; lease {args.lease:g} s; "
               f"{seconds / 60:.1f} min in all.\n")
    if results["ack"]:
        out.append(f"Ack latency, {CONCURRENCY} concurrent signed deliveries × {BURSTS} bursts per run "
                   f"(median of runs, [min–max]):\n")
        out.append("| database | design | median | p99 |")
        out.append("|---|---|---|---|")
        for (db, design), runs in results["ack"].items():
            out.append(f"| {db} | {DESIGN_NAMES[design]} | {summary([r['median_ms'] for r in runs], ' ms')} "
                       f"| {summary([r['p99_ms'] for r in runs], ' ms')} |")
        for db, runs in results["write"].items():
            out.append(f"| {db} | the inbox write alone (`accept()` in-process, no HTTP/Bolt/workers) "
                       f"| {summary([r['median_ms'] for r in runs], ' ms')} "
                       f"| {summary([r['p99_ms'] for r in runs], ' ms')} |")
        out.append("")
        if results["write"]:
            out.append("One inbox write with nothing else running: " + ", ".join(
                f"{db} {summary([r['alone_median_ms'] for r in runs], ' ms', 2)}"
                for db, runs in results["write"].items()) + " (median).\n")
        server = [(db, r) for (db, design), runs in results["ack"].items() if design == "inbox" for r in runs]
        if server:
            out.append("The bot's own histogram of that write during the bursts (`supportbot_ack_seconds`, "
                       "bucket upper bounds, median of runs): " + ", ".join(
                           f"{db} p50 ≤ {statistics.median([r['write_p50_le_ms'] for d, r in server if d == db]):g} ms, "
                           f"p99 ≤ {statistics.median([r['write_p99_le_ms'] for d, r in server if d == db]):g} ms"
                           for db in dict.fromkeys(d for d, _ in server)) + ".\n")
    if results["throughput"]:
        out.append(f"{CONCURRENCY} threads at once, each one {args.model_seconds:g} s model call, one process "
                   f"(wall time until the last answer is in Slack):\n")
        out.append("| database | design | wall time |")
        out.append("|---|---|---|")
        for (db, design, workers), runs in results["throughput"].items():
            name = DESIGN_NAMES[design] + (f", SUPPORTBOT_WORKERS={workers}" if workers else
                                           (", default 16 workers" if design == "inbox" else ""))
            out.append(f"| {db} | {name} | {summary([r['wall_s'] for r in runs], ' s', 2)} |")
        out.append("")
    if results["recovery"]:
        out.append(f"Recovery after SIGKILL during the model call (seconds from the kill):\n")
        out.append("| database | design | restart done | run claimed again | answered |")
        out.append("|---|---|---|---|---|")
        for (db, design, mode), runs in results["recovery"].items():
            name = {"takeover": "inbox, second process takes over", "restart": "restarted at once"}[mode]
            if design != "inbox":
                name = "naive, restarted at once"
            restarted = summary([r["restarted_s"] for r in runs], " s") if mode == "restart" else "—"
            claimed = summary([r["claimed_s"] for r in runs], " s") if design == "inbox" else "—"
            out.append(f"| {db} | {name} | {restarted} | {claimed} | {summary([r['answered_s'] for r in runs], ' s')} |")
        out.append("")
    text = "\n".join(out)
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps({k: {key if isinstance(key, str) else " / ".join(map(str, key)): v
                                                   for key, v in section.items()}
                                               for k, section in results.items()}, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve-naive", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve-fake-slack", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--pg-url", default=os.environ.get("TEST_DATABASE_URL",
                                                           "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--model-seconds", type=float, default=1.0)
    parser.add_argument("--lease", type=float, default=5.0, help="SUPPORTBOT_LEASE_SECONDS of the bots")
    parser.add_argument("--only", default="", help="comma-separated: ack, throughput, recovery")
    parser.add_argument("--json", default="", help="also write the raw numbers here")
    parser.add_argument("--bot-env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for the inbox bots (e.g. DATABASE_POOL_SIZE=40)")
    args = parser.parse_args()
    args.bot_env = dict(item.split("=", 1) for item in args.bot_env)
    if args.serve_naive:
        asyncio.run(serve_naive())
    elif args.serve_fake_slack:
        serve_fake_slack(args.serve_fake_slack)
    else:
        asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
