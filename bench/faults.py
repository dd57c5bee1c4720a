"""Fault run: is anyone left waiting in silence, or for ever? A real `supportbot serve` process
against the fake Slack and the fake OpenAI, on SQLite and on PostgreSQL:

* the model answers 503 to every call for ``--outage`` seconds from the start, then
  trickles its replies slower than ``--model-timeout`` for ``--slow`` seconds, then is well;
* ``--threads`` conversations start over the first seconds of the outage (a mention each;
  every other one gets a second message while the first is unanswered: the message behind it);
* the bot is SIGKILLed ``--kills`` times at random moments and started again at once;
* on PostgreSQL, the server is stopped for ``--db-cut`` seconds in the middle.

It reports (a) the time from the first model failure to the first delay notice, and from each
conversation's first message to its notice, and (b) the stuck threads at the end: a thread with
a message that got neither its answer nor the final failure sentence (the echo model asks for
no approvals, so no pending card can excuse one). Exit 1 when any thread is stuck.

    .venv/bin/python bench/faults.py                 # both databases, ~2-3 minutes
    .venv/bin/python bench/faults.py --db sqlite --threads 6 --kills 1 --outage 10 --slow 0
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import web  # noqa: E402

from bot import messages as say  # noqa: E402
from tests.durability.botproc import SECRET, BotProcess, bot_env, item_statuses, open_items  # noqa: E402
from tests.fakes.openai_server import FakeOpenAI  # noqa: E402
from tests.fakes.slack_server import FakeSlack  # noqa: E402
from tests.support.postgres import PrivatePostgres  # noqa: E402
from tests.support.slack_requests import apost_event, event_callback, message_event  # noqa: E402

NOTICES = (say.DELAY_MODEL, say.DELAY_OTHER)


class FaultyModel(FakeOpenAI):
    """Echoes; fails every call while ``down``, trickles while ``slow``; remembers the first failure."""

    def __init__(self, trickle: float) -> None:
        super().__init__()
        self.down = self.slow = False
        self.slow_trickle = trickle
        self.first_failure: float | None = None

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        with self._lock:
            if self.down:
                self._faults.append(("fail", 503))
                self.first_failure = self.first_failure or time.monotonic()
            self.trickle = self.slow_trickle if self.slow else 0.0
        return await super()._completions(request)


class TimedSlack(FakeSlack):
    """Remembers when each text first appeared in a thread (posted, or written over a notice)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: dict[str, dict[str, float]] = defaultdict(dict)  # thread_ts -> text -> first time

    async def _dispatch(self, request: web.Request) -> web.Response:
        response = await super()._dispatch(request)
        if request.match_info["method"] in ("chat.postMessage", "chat.update") and response.status == 200:
            message = json.loads(response.body).get("message") or {}
            if message:
                with self._lock:
                    thread = self.seen[message.get("thread_ts") or message["ts"]]
                    thread.setdefault(message.get("text", ""), time.monotonic())
        return response


class FaultRun:
    def __init__(self, args, backend: str, bot: BotProcess, slack: TimedSlack, model: FaultyModel,
                 pg: PrivatePostgres | None, rng: random.Random) -> None:
        self.args, self.backend, self.bot, self.slack, self.model, self.pg = args, backend, bot, slack, model, pg
        self.rng = rng
        self.sent: dict[str, list[tuple[str, float]]] = defaultdict(list)  # thread_ts -> (text, sent at)
        self.kills = 0
        self.db_cut: float | None = None

    async def deliver(self, event: dict) -> None:
        """As Slack does: deliver again until a 200 (the bot may be down between a kill and its start)."""
        envelope = event_callback(event)
        for attempt in range(600):
            extra = {"retry_num": attempt, "retry_reason": "http_error"} if attempt else {}
            try:
                status, _ = await apost_event(self.bot.events_url, SECRET, envelope, timeout=3, **extra)
            except (asyncio.TimeoutError, OSError):
                status = None
            if status == 200:
                return
            await asyncio.sleep(0.5)
        raise RuntimeError(f"never acked: {event['text']}")

    async def conversation(self, i: int) -> None:
        await asyncio.sleep(self.args.ramp * i / max(self.args.threads, 1))
        root = f"{2000 + i}.000001"
        first = f"thread {i}: where is my order?"
        self.sent[root].append((first, time.monotonic()))
        await self.deliver(message_event("C1", "U1", f"<@UBOT> {first}", root))
        if i % 2:
            await asyncio.sleep(1.0)
            second = f"thread {i}: are you there?"
            self.sent[root].append((second, time.monotonic()))
            await self.deliver(message_event("C1", "U1", second, f"{2000 + i}.000002", thread_ts=root))

    async def model_phases(self) -> None:
        self.model.down = True
        await asyncio.sleep(self.args.outage)
        self.model.down, self.model.slow = False, self.args.slow > 0
        await asyncio.sleep(self.args.slow)
        self.model.slow = False

    async def killer(self) -> None:
        """Each kill at a random moment 2-8 s into the process's life (its start-up not counted:
        on a busy machine that alone can take longer than the faults last); the first after the
        notice time, so that the first notice measures the bot's timer, not a restart."""
        for n in range(self.args.kills):
            await asyncio.sleep(self.rng.uniform(2.0, 8.0) + (self.args.notice if n == 0 else 0.0))
            await asyncio.to_thread(self.bot.kill)
            self.kills += 1
            await self.restart()

    async def restart(self) -> None:
        """As a supervisor does: start again, and again a second later while start-up fails
        (serve refuses to start while the database is cut, with one line and exit 2)."""
        for _ in range(60):
            try:
                await asyncio.to_thread(self.bot.start, 120)
                return
            except RuntimeError as exc:
                if "during start" not in str(exc):
                    raise
                await asyncio.sleep(1.0)
        raise RuntimeError("the bot did not start again within a minute")

    async def cut_database(self) -> None:
        if self.pg is None or self.args.db_cut <= 0:
            return
        await asyncio.sleep((self.args.outage + self.args.slow) / 2)
        self.pg.stop()
        await asyncio.sleep(self.args.db_cut)
        self.pg.start()
        self.db_cut = self.args.db_cut

    def settled(self) -> bool:
        return all(self.outcome(ts) != "stuck" for ts in self.sent)

    def outcome(self, thread_ts: str) -> str:
        """Its last message answered (one answer may cover both), or the final sentence, or stuck."""
        seen = self.slack.seen.get(thread_ts, {})
        last = self.sent[thread_ts][-1][0]
        if f"echo: {last}" in seen:
            return "answered"
        return "failed" if say.RUN_FAILED_FINAL in seen else "stuck"

    async def run(self) -> None:
        side = [asyncio.create_task(self.model_phases()), asyncio.create_task(self.killer()),
                asyncio.create_task(self.cut_database())]
        await asyncio.gather(*(self.conversation(i) for i in range(self.args.threads)))
        await asyncio.gather(*side)
        deadline = time.monotonic() + self.args.settle
        while time.monotonic() < deadline and not (self.settled() and open_items(self.database_url) == 0):
            await asyncio.sleep(0.2)

    @property
    def database_url(self) -> str:
        return self.bot.env["DATABASE_URL"]

    def report(self) -> dict:
        firsts = {ts: sent[0][1] for ts, sent in self.sent.items()}
        notices = {ts: min(t for text, t in seen.items() if text in NOTICES)
                   for ts, seen in self.slack.seen.items() if any(text in NOTICES for text in seen)}
        to_notice = sorted(notices[ts] - firsts[ts] for ts in notices if ts in firsts)
        outcomes = {ts: self.outcome(ts) for ts in self.sent}
        stuck = sorted(ts for ts, outcome in outcomes.items() if outcome == "stuck")
        items = item_statuses(self.database_url)
        with self.slack._lock:
            notice_posts = sum(1 for c in self.slack.calls if c.method == "chat.postMessage" and c.ok
                               and c.params.get("text") in NOTICES)
        return {
            "backend": self.backend, "threads": len(self.sent),
            "messages": sum(len(sent) for sent in self.sent.values()),
            "kills": self.kills, "db_cut_seconds": self.db_cut,
            "first_failure_to_first_notice_s": round(min(notices.values()) - self.model.first_failure, 2)
            if notices and self.model.first_failure else None,
            "message_to_notice_s": {"p50": _pct(to_notice, 50), "max": round(max(to_notice), 2) if to_notice else None,
                                    "threads_noticed": len(to_notice)},
            "notice_posts": notice_posts,  # one per turn: more than threads_noticed only for a second turn
            "answered": list(outcomes.values()).count("answered"),
            "failed_told": list(outcomes.values()).count("failed"),
            "stuck_threads": len(stuck), "stuck": stuck,
            "inbox_open": sum(1 for it in items if it[2] in ("pending", "running", "held")),
            "model_calls": self.model.calls,
        }

def _pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    return round(values[min(len(values) - 1, int(p / 100 * len(values)))], 2)


async def one_backend(args, backend: str, rng: random.Random) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"supportbot-faults-{backend}-"))
    pg = PrivatePostgres() if backend == "postgres" else None
    with (pg or contextlib.nullcontext()), FaultyModel(args.trickle) as model, TimedSlack() as slack:
        url = pg.url if pg is not None else f"sqlite:///{workdir / 'supportbot.db'}"
        env = bot_env(url, slack.api_url, model.base_url, lease=args.lease, workers=8, drain=5,
                      SUPPORTBOT_DELAY_NOTICE_SECONDS=args.notice, SUPPORTBOT_TURN_DEADLINE_SECONDS=args.deadline,
                      SUPPORTBOT_MODEL_TIMEOUT=args.model_timeout)
        bot = BotProcess(env, workdir, name=f"faults-{backend}")
        bot.start(timeout=120)
        run = FaultRun(args, backend, bot, slack, model, pg, rng)
        began = time.monotonic()
        try:
            await asyncio.wait_for(run.run(), args.timeout)
        finally:
            wall = round(time.monotonic() - began, 1)
            if bot.running:
                bot.terminate(30)
        report = {**run.report(), "wall_seconds": wall}
    report["log"] = str(bot.log_path)
    return report


async def main_async(args) -> int:
    # The fake model's streams are cut at every timeout and kill: expected, not worth a traceback.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    rng = random.Random(args.seed)
    backends = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    reports = [await one_backend(args, backend, rng) for backend in backends]
    print(json.dumps(reports, indent=2))
    return 1 if any(r["stuck_threads"] for r in reports) else 0


# (flag, default, help): every option is a number of the type of its default.
OPTIONS = [
    ("--threads", 8, "conversations"),
    ("--ramp", 5.0, "seconds over which conversations start"),
    ("--outage", 30.0, "seconds the model answers 503 from the start"),
    ("--slow", 10.0, "seconds it then trickles slower than its timeout"),
    ("--model-timeout", 3.0, "SUPPORTBOT_MODEL_TIMEOUT"),
    ("--trickle", 1.0, "seconds between streamed chunks while slow"),
    ("--kills", 2, "SIGKILLs at random moments"),
    ("--db-cut", 5.0, "seconds PostgreSQL is stopped (postgres only)"),
    ("--notice", 15.0, "SUPPORTBOT_DELAY_NOTICE_SECONDS"),
    ("--deadline", 300.0, "SUPPORTBOT_TURN_DEADLINE_SECONDS"),
    ("--lease", 5.0, "SUPPORTBOT_LEASE_SECONDS"),
    ("--settle", 120.0, "seconds to wait for the last answers"),
    ("--timeout", 400.0, "bound on one backend's run"),
    ("--seed", 13, "random seed (kill moments)"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    for flag, default, text in OPTIONS:
        parser.add_argument(flag, type=type(default), default=default, help=f"{text} (default {default})")
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
