"""/healthz's verdict: does the database take a write, and (SQLite) is its file still the one opened.

A write probe (upserting the one row of ``health_probe``), not a ping: a database that
answers reads but refuses writes (a read-only file or filesystem, a read-only PostgreSQL)
fails every ack while a ping succeeds. The verdict is cached for ``CACHE_SECONDS``, so a
storm of probes costs one write. A probe that has no answer within ``TIMEOUT_SECONDS`` is
a failure, but it is left to finish rather than cancelled (cancelling SQLite's
``BEGIN IMMEDIATE`` would leave the shared connection inside a transaction), and the
next check waits on that same probe instead of starting another.

On SQLite the file's device and inode are recorded when it is opened (``graph/db.py``):
a path that is gone, or is another file now, means the bot writes to a file nobody can
open again, and everything is lost on restart. That is logged at ERROR once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time

from bot import messages as say
from graph.storage import first_line

log = logging.getLogger(__name__)

CACHE_SECONDS = 2.0
TIMEOUT_SECONDS = 2.0


class HealthCheck:
    def __init__(self, db, *, cache_seconds: float = CACHE_SECONDS, timeout: float = TIMEOUT_SECONDS) -> None:
        self.db, self.cache_seconds, self.timeout = db, cache_seconds, timeout
        self._verdict: str | None = None
        self._checked_at = float("-inf")
        self._probe: asyncio.Future | None = None
        self._file_reported = False

    async def problem(self) -> str | None:
        """None when healthy, else one line saying what is wrong."""
        moved = self._file_problem()
        if moved is not None:
            return moved
        if time.monotonic() - self._checked_at < self.cache_seconds:
            return self._verdict
        if self._probe is None or self._probe.done():
            self._probe = asyncio.ensure_future(self._write())
        done, _ = await asyncio.wait({self._probe}, timeout=self.timeout)
        if done and not self._probe.cancelled():
            verdict = self._probe.result()
        else:
            verdict = say.HEALTH_WRITE_SLOW.format(seconds=self.timeout)
        self._verdict, self._checked_at = verdict, time.monotonic()
        return verdict

    async def close(self) -> None:
        """Let a probe still in flight finish, so it does not outlive the database."""
        if self._probe is not None and not self._probe.done():
            await asyncio.wait({self._probe}, timeout=self.timeout)

    async def _write(self) -> str | None:
        try:
            await self.db.execute("health_probe_write", {"now": time.time()}, wait=self.timeout)
        except Exception as exc:
            log.warning("health: the database refused a write", extra={"error": first_line(exc)})
            return say.HEALTH_WRITE_FAILED.format(error=first_line(exc))
        return None

    def _file_problem(self) -> str | None:
        recorded = getattr(self.db, "file_id", None)
        if recorded is None:  # not a SQLite file
            return None
        path = self.db.path
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            problem = say.HEALTH_FILE_GONE.format(path=path)
        else:
            if (stat.st_dev, stat.st_ino) == recorded:
                return None
            problem = say.HEALTH_FILE_REPLACED.format(path=path)
        if not self._file_reported:
            self._file_reported = True
            log.error(say.LOG_SQLITE_FILE_GONE.format(path=path))
        return problem
