"""Soak: many conversations through a real `supportbot serve` process while things fail.

* ``--threads`` conversations (default 200) of ``--messages`` messages each (default 2):
  a mention that starts the thread, then replies, each sent once the previous one
  was answered — the way a person talks. Conversations start over ``--ramp`` seconds.
* the model (fake OpenAI) answers 503 to ``--model-fail`` of its calls (default 10 %);
* Slack (fake Web API) answers 429 with Retry-After: 1 to ``--slack-ratelimit`` of
  ``chat.postMessage`` calls (default 5 %);
* the PostgreSQL server (a private embedded one) is stopped once half of the messages
  are answered, kept down ``--outage`` seconds, and started again; the bot is not restarted.

Deliveries are signed Events API requests; one that is not acked with a 200 within
3 s is delivered again (Slack's retries, compressed from minutes to half a second).

Every message must be answered exactly once: the run fails (exit 1) on any duplicate,
loss or apology. Time to answer is from Slack's first delivery attempt to the
answer's chat.postMessage. The bot runs with production settings except
SUPPORTBOT_LEASE_SECONDS=5 (a lease orphaned by the outage frees up sooner).

    .venv/bin/python bench/soak.py                      # the full run (~1-2 minutes)
    .venv/bin/python bench/soak.py --threads 20 --outage 1   # a quick check
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import web  # noqa: E402

from bot import messages as say  # noqa: E402
from tests.durability.botproc import SECRET, BotProcess, bot_env, item_statuses, open_items, query  # noqa: E402
from tests.fakes.openai_server import FakeOpenAI  # noqa: E402
from tests.fakes.slack_server import FakeSlack  # noqa: E402
from tests.support.postgres import PrivatePostgres  # noqa: E402
from tests.support.slack_requests import apost_event, event_callback, message_event  # noqa: E402

ACK_TIMEOUT = 3.0  # Slack's: no 200 within 3 s is a failed delivery


class FlakyOpenAI(FakeOpenAI):
    """Echoes, and answers 503 to a share of calls."""

    def __init__(self, fail_rate: float, rng: random.Random, delay: float) -> None:
        super().__init__()
        self.fail_rate, self.rng, self.injected = fail_rate, rng, 0
        self.delay = delay

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        with self._lock:
            if self.rng.random() < self.fail_rate:
                self._faults.append(("fail", 503))
                self.injected += 1
        return await super()._completions(request)


class FlakySlack(FakeSlack):
    """Rate-limits a share of chat.postMessage calls; records when each answer was posted."""

    def __init__(self, limit_rate: float, rng: random.Random) -> None:
        super().__init__()
        self.limit_rate, self.rng, self.limited = limit_rate, rng, 0
        self.posted: dict[str, list[float]] = defaultdict(list)  # text -> post times

    async def _dispatch(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method == "chat.postMessage":
            with self._lock:
                if self.rng.random() < self.limit_rate:
                    self._faults.setdefault(method, []).append(
                        (429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}))
                    self.limited += 1
        response = await super()._dispatch(request)
        if method == "chat.postMessage" and response.status == 200:
            body = json.loads(response.body)
            if body.get("ok"):
                with self._lock:
                    self.posted[body["message"]["text"]].append(time.monotonic())
        return response

    def answers(self, text: str) -> list[float]:
        with self._lock:
            return list(self.posted.get(text, ()))


def question(i: int, k: int) -> str:
    return f"thread {i} message {k}: where is my order?"


def status_of(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


class Soak:
    def __init__(self, args, bot: BotProcess, slack: FlakySlack, pg: PrivatePostgres) -> None:
        self.args, self.bot, self.slack, self.pg = args, bot, slack, pg
        self.total = args.threads * args.messages
        self.sent_at: dict[str, float] = {}
        self.answered_at: dict[str, float] = {}
        self.redeliveries = 0
        self.unanswered: list[str] = []
        self.outage: dict = {}

    async def deliver(self, event: dict) -> None:
        envelope = event_callback(event)
        for attempt in range(200):
            extra = {"retry_num": attempt, "retry_reason": "http_error"} if attempt else {}
            try:
                status, _ = await apost_event(self.bot.events_url, SECRET, envelope, timeout=ACK_TIMEOUT, **extra)
            except (asyncio.TimeoutError, OSError):
                status = None
            if status == 200:
                return
            self.redeliveries += 1
            await asyncio.sleep(0.5)
        raise RuntimeError(f"never acked: {event['text']}")

    async def conversation(self, i: int) -> None:
        await asyncio.sleep(self.args.ramp * i / self.args.threads)
        root = f"{1000 + i}.000001"
        for k in range(self.args.messages):
            text = question(i, k)
            ts = root if k == 0 else f"{1000 + i}.{k + 1:06d}"
            event = message_event("C1", f"U{i}", f"<@UBOT> {text}" if k == 0 else text, ts,
                                  thread_ts=None if k == 0 else root)
            self.sent_at[text] = time.monotonic()
            await self.deliver(event)
            deadline = time.monotonic() + self.args.answer_timeout
            while not (times := self.slack.answers(f"echo: {text}")):
                if time.monotonic() > deadline:
                    self.unanswered.append(text)
                    return
                await asyncio.sleep(0.05)
            self.answered_at[text] = times[0]

    async def restart_database(self) -> None:
        if self.args.outage <= 0:
            return
        while len(self.answered_at) < self.total // 2:
            await asyncio.sleep(0.05)
        self.outage["answered_before"] = len(self.answered_at)
        began = time.monotonic()
        self.outage["began"] = began
        self.pg.stop()
        seen = set()
        while time.monotonic() - began < self.args.outage:
            seen.add(await asyncio.to_thread(status_of, f"{self.bot.url}/healthz"))
            await asyncio.sleep(0.2)
        self.pg.start()
        self.outage["seconds"] = round(time.monotonic() - began, 1)
        self.outage["healthz_during"] = sorted(s for s in seen if s is not None)
        while await asyncio.to_thread(status_of, f"{self.bot.url}/healthz") != 200:
            await asyncio.sleep(0.1)
        self.outage["ended"] = time.monotonic()
        self.outage["healthz_back_after"] = round(self.outage["ended"] - began, 1)

    async def run(self) -> None:
        restart = asyncio.create_task(self.restart_database())
        await asyncio.gather(*(self.conversation(i) for i in range(self.args.threads)))
        await asyncio.wait_for(restart, 60)
        deadline = time.monotonic() + 60
        while open_items(self.pg.url) != 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.1)


def scrape(bot: BotProcess) -> dict[str, float]:
    """The bot's own /metrics, unlabelled samples only."""
    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(f"{bot.url}/metrics", timeout=5) as response:
        text = response.read().decode()
    return {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples if not s.labels}


def mean_of(metrics: dict[str, float], histogram: str) -> float | None:
    count = metrics.get(f"{histogram}_count")
    return round(metrics[f"{histogram}_sum"] / count, 3) if count else None


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


async def main_async(args) -> int:
    rng = random.Random(args.seed)
    workdir = Path(tempfile.mkdtemp(prefix="supportbot-soak-"))
    with PrivatePostgres() as pg, FlakyOpenAI(args.model_fail, rng, args.model_latency) as model, \
            FlakySlack(args.slack_ratelimit, rng) as slack:
        env = bot_env(pg.url, slack.api_url, model.base_url, lease=5, workers=args.workers, drain=10)
        bot = BotProcess(env, workdir, name="soak")
        bot.start(timeout=60)
        pid = bot.proc.pid
        soak = Soak(args, bot, slack, pg)
        began = time.monotonic()
        try:
            await asyncio.wait_for(soak.run(), args.timeout)
        finally:
            wall = time.monotonic() - began
            alive = bot.running and bot.proc.pid == pid
            metrics = scrape(bot) if alive else {}
            if bot.running:
                bot.terminate(30)

        items = item_statuses(pg.url)
        with slack._lock:
            attempts = [c for c in slack.calls if c.method == "chat.postMessage"]
            posts = [(c.params.get("thread_ts"), c.params.get("text")) for c in attempts if c.ok]
        per_text = Counter(text for _, text in posts)
        doubled = sorted(t for t, n in per_text.items() if n > 1)
        for text in doubled:  # what the database says about them, while it is still there
            thread_ts = next(ts for ts, t in posts if t == text)
            keys = [(c.params.get("metadata") or {}).get("event_payload") for c in attempts
                    if c.ok and c.params.get("text") == text]
            rows = query(pg.url, "SELECT outbox_key, status, attempts, slack_ts FROM outbox WHERE thread_ts = %s",
                         (thread_ts,))
            print(f"DOUBLED {text!r}: post keys {keys}; outbox {rows}", file=sys.stderr)
    expected = [question(i, k) for i in range(args.threads) for k in range(args.messages)]
    answers = sum(1 for q in expected if per_text[f"echo: {q}"] >= 1)
    duplicates = sum(per_text[f"echo: {q}"] - 1 for q in expected if per_text[f"echo: {q}"] > 1)
    losses = len(expected) - answers
    apologies = per_text[say.RUN_FAILED_FINAL] + per_text[say.RUN_FAILED]
    others = len(posts) - sum(per_text[f"echo: {q}"] for q in expected) - apologies
    tta = [soak.answered_at[q] - soak.sent_at[q] for q in expected if q in soak.answered_at]
    began, ended = soak.outage.pop("began", None), soak.outage.pop("ended", None)
    calm = [soak.answered_at[q] - soak.sent_at[q] for q in expected if q in soak.answered_at
            and (began is None or soak.answered_at[q] < began or soak.sent_at[q] > ended)]
    report = {
        "threads": args.threads, "messages": len(expected), "wall_seconds": round(wall, 1),
        "answers": answers, "duplicates": duplicates, "losses": losses, "apologies": apologies,
        "other_posts": others, "doubled": doubled,
        "tta_p50_s": round(percentile(tta, 50), 2), "tta_p99_s": round(percentile(tta, 99), 2),
        "tta_max_s": round(max(tta), 2) if tta else None,
        "outside_outage": {"messages": len(calm), "tta_p50_s": round(percentile(calm, 50), 2),
                           "tta_p99_s": round(percentile(calm, 99), 2)},
        "model_calls": model.calls, "model_503s": model.injected,
        "slack_post_calls": len(attempts),
        "slack_429s": slack.limited, "redeliveries": soak.redeliveries,
        "inbox_items": len(items), "inbox_not_done": sum(1 for it in items if it[2] != "done"),
        "runs_retried": sum(1 for it in items if it[3] > 1),
        "run_seconds_mean": mean_of(metrics, "supportbot_run_seconds"),
        "model_seconds_mean": mean_of(metrics, "supportbot_model_seconds"),
        "ack_seconds_mean": mean_of(metrics, "supportbot_ack_seconds"),
        "outage": soak.outage, "bot_restarted": not alive,
    }
    print(json.dumps(report, indent=2))
    if duplicates or losses or apologies or not alive:
        print(f"FAILED: see {bot.log_path}", file=sys.stderr)
        return 1
    shutil.rmtree(workdir, ignore_errors=True)  # the bot's log is kept only when the run failed
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=200)
    parser.add_argument("--messages", type=int, default=2, help="messages per thread")
    parser.add_argument("--model-fail", type=float, default=0.10, help="share of model calls answered 503")
    parser.add_argument("--slack-ratelimit", type=float, default=0.05, help="share of posts answered 429")
    parser.add_argument("--model-latency", type=float, default=0.2, help="seconds per model call")
    parser.add_argument("--outage", type=float, default=5.0, help="seconds PostgreSQL stays down (0: no restart)")
    parser.add_argument("--ramp", type=float, default=20.0, help="seconds over which conversations start")
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--answer-timeout", type=float, default=120.0)
    parser.add_argument("--timeout", type=float, default=300.0, help="bound on the whole run")
    parser.add_argument("--seed", type=int, default=8)
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
