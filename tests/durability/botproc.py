"""`supportbot serve` as a real subprocess: start, wait for /healthz, SIGTERM, SIGKILL.

Also used by bench/ (so it imports nothing from pytest). Each process logs to
its own file; a failed start or a test failure can show its tail. The child
gets a parent-death SIGKILL, so a killed pytest leaves no bot behind.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg

SUPPORTBOT = str(Path(sys.executable).with_name("supportbot"))
SECRET = "durability-signing-secret"
_libc = ctypes.CDLL(None, use_errno=True)
# A bound, never an assertion about speed: on the shared 2-core machine at load 8 a start
# (LangChain's imports on a contended core) was seen to pass 30 s.
START_TIMEOUT = 60.0


def _die_with_parent() -> None:
    _libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bot_env(database_url: str, slack_api_url: str, openai_base_url: str, *, lease: float = 3,
            drain: float = 10, workers: int | None = 8, **extra: str) -> dict[str, str]:
    """The environment of a bot wired to the fakes (PORT is set per process); workers=None
    leaves SUPPORTBOT_WORKERS to the bot's default."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SUPPORTBOT_", "OPENAI_"))}
    env.update({
        "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack_api_url,
        "SUPPORTBOT_STAFF": "U1",  # the asker in these scenarios is a support agent (any order)
        "OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": openai_base_url, "SUPPORTBOT_MODEL": "gpt-test",
        "DATABASE_URL": database_url, "SUPPORTBOT_LEASE_SECONDS": str(lease),
        "SUPPORTBOT_DRAIN_SECONDS": str(drain),
        # A restart on a loaded machine can outlast the 15 s default: a delay notice would be one
        # more post in threads whose posts these tests count (tests/faults/test_delay_notice.py pins it).
        "SUPPORTBOT_DELAY_NOTICE_SECONDS": "600",
    })
    if workers is not None:
        env["SUPPORTBOT_WORKERS"] = str(workers)
    env.update({k: str(v) for k, v in extra.items()})
    return env


class BotProcess:
    def __init__(self, env: dict[str, str], workdir: Path, name: str = "bot", port: int | None = None,
                 command: list[str] | None = None) -> None:
        self.env = dict(env)
        self.command = command or [SUPPORTBOT, "serve"]
        self.workdir = Path(workdir)
        self.name = name
        self.port = port or free_port()
        self.log_path = self.workdir / f"{name}.log"
        self.proc: subprocess.Popen | None = None
        self.started_at = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def events_url(self) -> str:
        return f"{self.url}/slack/events"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = START_TIMEOUT, **env: str) -> "BotProcess":
        """Start (or start again, same port) and wait until /healthz answers 200."""
        self.launch(**env)
        self.wait_healthy(timeout)
        return self

    def launch(self, **env: str) -> "BotProcess":
        """Start without waiting: start-up is one core's work, so bots launched together start in
        the time of one on a machine with two (wait_healthy on each afterwards)."""
        assert not self.running, f"{self.name} is already running"
        environment = {**self.env, **{k: str(v) for k, v in env.items()}, "PORT": str(self.port)}
        self.workdir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            log.write(f"---- start {time.strftime('%H:%M:%S')}\n".encode())
            log.flush()
            # cwd = workdir: no stray .env from the source tree is read.
            self.proc = subprocess.Popen(self.command, env=environment, cwd=self.workdir,
                                         stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        self.started_at = time.monotonic()
        return self

    def healthz(self) -> int | None:
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return None

    def wait_healthy(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while self.healthz() != 200:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}) during start:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"{self.name} not healthy in {timeout}s:\n{self.log_tail()}")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: a crash, nothing runs on the way out."""
        if self.running:
            self.proc.send_signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(10)

    def terminate(self, timeout: float = 60.0) -> tuple[int, float]:
        """SIGTERM and wait; returns (exit code, seconds until it exited)."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout)
        return code, time.monotonic() - started

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"


# -- reading our tables directly (the bot is another process) ---------------------

def query(database_url: str, sql: str, params: tuple = ()) -> list[tuple]:
    if database_url.startswith("sqlite:///"):
        conn = sqlite3.connect(database_url[len("sqlite:///"):], timeout=30)
        try:
            with conn:
                return conn.execute(sql, params).fetchall()
        finally:
            conn.close()
    with psycopg.connect(database_url, connect_timeout=5) as conn:
        cursor = conn.execute(sql.replace("?", "%s"), params)
        return cursor.fetchall() if cursor.description else []


def open_items(database_url: str) -> int:
    """Inbox items not yet done (pending or running)."""
    try:
        return query(database_url, "SELECT count(*) FROM inbox WHERE status IN ('pending', 'running')")[0][0]
    except (sqlite3.Error, psycopg.Error):
        return -1  # not migrated yet / unreachable: not settled


def item_statuses(database_url: str) -> list[tuple]:
    return query(database_url, "SELECT item_id, thread_id, status, attempts, fence FROM inbox ORDER BY item_id")
