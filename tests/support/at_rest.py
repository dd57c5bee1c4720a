"""What a database holds at rest, as one blob of bytes to search: the SQLite file with its
WAL (and shared memory), or PostgreSQL's ``pg_dump`` of the whole database."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.postgres import BIN


def at_rest(database_url: str) -> bytes:
    if database_url.startswith("sqlite:///"):
        path = Path(database_url[len("sqlite:///"):])
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists())
    done = subprocess.run([str(BIN / "pg_dump"), "--no-owner", database_url], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return done.stdout
