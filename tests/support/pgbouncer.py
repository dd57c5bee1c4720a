"""PgBouncer in transaction mode in front of a test database, started by the test that needs it.

The binary comes from Debian's `pgbouncer` package (`.ci/run` installs it when
missing). It refuses to run as root, so as root it runs as `nobody` in a
temporary directory `nobody` owns, like the embedded PostgreSQL beside it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse
from pathlib import Path

import psycopg

from tests.support.postgres import _credentials, _die_with_parent, free_port

BINARY_PLACES = ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer")


def binary() -> str:
    found = shutil.which("pgbouncer") or next((p for p in BINARY_PLACES if os.access(p, os.X_OK)), None)
    if not found:
        raise RuntimeError("pgbouncer is not installed: `apt-get install -y pgbouncer` (.ci/run does it)")
    return found


class PgBouncer:
    """Listens on 127.0.0.1 on a free port; `url_for(database_url)` is that database through it."""

    def __init__(self, server_url: str, pool_size: int = 10) -> None:
        self.server = urllib.parse.urlsplit(server_url)
        self.port = free_port()
        self.pool_size = pool_size
        self.base = Path(tempfile.mkdtemp(prefix="supportbot-pgbouncer-"))
        self.log = self.base / "pgbouncer.log"
        self._proc: subprocess.Popen | None = None

    def url_for(self, database_url: str) -> str:
        parts = urllib.parse.urlsplit(database_url)
        netloc = parts.netloc.rsplit("@", 1)[0] + f"@127.0.0.1:{self.port}"
        return urllib.parse.urlunsplit(parts._replace(netloc=netloc))

    def _write_config(self) -> Path:
        user = urllib.parse.unquote(self.server.username or "postgres")
        password = urllib.parse.unquote(self.server.password or "")
        (self.base / "userlist.txt").write_text(f'"{user}" "{password}"\n')
        config = self.base / "pgbouncer.ini"
        config.write_text(f"""[databases]
* = host={self.server.hostname or '127.0.0.1'} port={self.server.port or 5432}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.port}
unix_socket_dir =
auth_type = trust
auth_file = {self.base / 'userlist.txt'}
admin_users = {user}
pool_mode = transaction
default_pool_size = {self.pool_size}
max_client_conn = 500
ignore_startup_parameters = extra_float_digits
logfile = {self.log}
""")
        creds = _credentials()
        for path in (self.base, *self.base.iterdir()):
            if creds:
                os.chown(path, creds["user"], creds["group"])
        return config

    def start(self, timeout: float = 30.0) -> "PgBouncer":
        config = self._write_config()
        self._proc = subprocess.Popen([binary(), str(config)], cwd=self.base, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.STDOUT, preexec_fn=_die_with_parent, **_credentials())
        deadline = time.monotonic() + timeout
        while True:
            if self._proc.poll() is not None:
                raise RuntimeError(f"pgbouncer exited ({self._proc.returncode}):\n{self.log_tail()}")
            try:
                self.admin("SHOW VERSION")
                return self
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"pgbouncer not ready in {timeout}s:\n{self.log_tail()}")
                time.sleep(0.05)

    def admin(self, command: str) -> list[dict]:
        """A command on PgBouncer's admin console (simple query protocol only, hence ClientCursor)."""
        user = self.server.username or "postgres"
        with psycopg.connect(host="127.0.0.1", port=self.port, dbname="pgbouncer", user=user,
                             autocommit=True, connect_timeout=2, cursor_factory=psycopg.ClientCursor) as conn:
            cursor = conn.execute(command)
            names = [c.name for c in cursor.description or []]
            return [dict(zip(names, row)) for row in cursor.fetchall()] if names else []

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        shutil.rmtree(self.base, ignore_errors=True)
