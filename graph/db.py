"""Our own tables (demo shop, inbox, approvals, ...) over PostgreSQL or SQLite.

One small interface over both dialects, driven by the named queries in
``sql/``. PostgreSQL shares the ``AsyncConnectionPool`` of the checkpointer;
SQLite uses one connection per process, and a lock so that one transaction
at a time runs on it (SQLite has one writer anyway).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from contextlib import asynccontextmanager, contextmanager
from typing import AsyncIterator, Protocol

import aiosqlite
import psycopg
from psycopg_pool import AsyncConnectionPool

import sql
from graph.sealing import SEALED_COLUMNS, is_sealed

log = logging.getLogger(__name__)


class Executor(Protocol):
    async def execute(self, query: str, params: dict | None = None) -> int: ...
    async def fetchone(self, query: str, params: dict | None = None) -> dict | None: ...
    async def fetchall(self, query: str, params: dict | None = None) -> list[dict]: ...


class Database:
    """Runs named queries; ``query`` is a name from ``sql/queries*.sql``."""

    dialect: str

    def __init__(self) -> None:
        self.queries = sql.load_queries(self.dialect)
        # graph.sealing.KeyRing when encryption at rest is on: the payload columns
        # (SEALED_COLUMNS) are sealed by parameter name and opened by column name.
        self.sealer = None

    def sealed(self, params: dict | None) -> dict:
        if not params or self.sealer is None:
            return params or {}
        return {k: self.sealer.seal(v) if k in SEALED_COLUMNS and isinstance(v, str) and not is_sealed(v) else v
                for k, v in params.items()}

    def opened(self, row: dict | None) -> dict | None:
        if row is None or self.sealer is None:
            return row
        return {k: self.sealer.open(v) if k in SEALED_COLUMNS and is_sealed(v) else v for k, v in row.items()}

    def q(self, name: str) -> str:
        try:
            return self.queries[name]
        except KeyError:
            raise KeyError(f"no query named {name!r} for {self.dialect}") from None

    async def execute(self, query: str, params: dict | None = None, *, wait: float | None = None) -> int:
        async with self.statement(wait) as one:
            return await one.execute(query, params)

    async def fetchone(self, query: str, params: dict | None = None, *, wait: float | None = None,
                       retry_broken: bool = False) -> dict | None:
        """``retry_broken``: the statement is idempotent, so a pooled connection found dead
        (a database restart it did not see) is retried once on another instead of failing."""
        return await self._once_more_if_broken("fetchone", query, params, wait, retry_broken)

    async def fetchall(self, query: str, params: dict | None = None, *, wait: float | None = None,
                       retry_broken: bool = False) -> list[dict]:
        return await self._once_more_if_broken("fetchall", query, params, wait, retry_broken)

    async def _once_more_if_broken(self, how: str, query: str, params, wait, retry_broken: bool):
        try:
            async with self.statement(wait) as one:
                return await getattr(one, how)(query, params)
        except Exception as exc:
            if not (retry_broken and getattr(exc, "connection_broken", False)):
                raise
        async with self.statement(wait) as one:
            return await getattr(one, how)(query, params)

    def transaction(self, wait: float | None = None):  # pragma: no cover - abstract
        """``wait``: give up after this many seconds waiting for a connection (PostgreSQL)."""
        raise NotImplementedError

    def statement(self, wait: float | None = None):
        """Where one statement runs: a transaction unless the dialect needs none for it."""
        return self.transaction(wait)

    def for_acks(self) -> "Database":
        """Where Slack's deliveries are written before the ack: capacity runs cannot take."""
        return self

    async def ping(self) -> None:
        await self.fetchone("ping")

    async def checkpoint_wal(self) -> dict | None:
        """Empty the write-ahead log into the database file, where the dialect has one we control."""
        return None

    async def close(self) -> None:
        pass

    async def migrate(self) -> list[int]:
        """Apply the migrations this database has not seen; returns their versions."""
        applied: list[int] = []
        async with self.transaction() as tx:
            await tx.lock_migrations()
            await tx.run_script(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at DOUBLE PRECISION NOT NULL)"
            )
            done = {r["version"] for r in await tx.fetchall("migrations_applied")}
            for version, name, script in sql.migrations(self.dialect):
                if version in done:
                    continue
                await tx.run_script(script)
                await tx.execute(
                    "migration_record", {"version": version, "name": name, "now": time.time()}
                )
                applied.append(version)
        if applied:
            log.info("migrations applied", extra={"versions": applied, "dialect": self.dialect})
        return applied


class _PgTx:
    def __init__(self, db: "PostgresDatabase", conn) -> None:
        self.db, self.conn = db, conn

    async def execute(self, query: str, params: dict | None = None) -> int:
        cur = await self.conn.execute(self.db.q(query), self.db.sealed(params))
        return cur.rowcount

    async def fetchone(self, query: str, params: dict | None = None) -> dict | None:
        cur = await self.conn.execute(self.db.q(query), self.db.sealed(params))
        return self.db.opened(await cur.fetchone())

    async def fetchall(self, query: str, params: dict | None = None) -> list[dict]:
        cur = await self.conn.execute(self.db.q(query), self.db.sealed(params))
        return [self.db.opened(r) for r in await cur.fetchall()]

    async def run_script(self, script: str) -> None:
        await self.conn.execute(script)

    async def lock_migrations(self) -> None:
        # Several processes start at once in production: one migrates, the others wait.
        await self.conn.execute("SELECT pg_advisory_xact_lock(7265020001)")


class PostgresDatabase(Database):
    dialect = "postgres"

    def __init__(self, pool: AsyncConnectionPool, ack_pool: AsyncConnectionPool | None = None,
                 on_broken=None) -> None:
        super().__init__()
        self.pool = pool
        # Called when a pooled connection turns out dead: its idle siblings likely died with it
        # (graph/storage.IdleCheck then checks every checkout for a while).
        self.on_broken = on_broken
        self._acks = _AckLane(self, ack_pool) if ack_pool is not None else self

    def for_acks(self) -> "Database":
        return self._acks

    @asynccontextmanager
    async def transaction(self, wait: float | None = None) -> AsyncIterator[_PgTx]:
        async with self.pool.connection(timeout=wait) as conn:
            with self._watch(conn):
                async with conn.transaction():
                    yield _PgTx(self, conn)

    # One statement is atomic on its own: on the pool's autocommit connections it
    # runs without BEGIN/COMMIT around it, one round trip instead of three.
    @asynccontextmanager
    async def statement(self, wait: float | None = None) -> AsyncIterator[_PgTx]:
        async with self.pool.connection(timeout=wait) as conn:
            with self._watch(conn):
                yield _PgTx(self, conn)

    @contextmanager
    def _watch(self, conn):
        try:
            yield
        except psycopg.OperationalError as exc:
            if conn.broken:
                exc.connection_broken = True
                if self.on_broken is not None:
                    self.on_broken()
            raise


class _AckLane(PostgresDatabase):
    """The same database on a pool of its own, used only for the ack's write.

    Runs' checkpoint reads and writes and the acks shared one first-come-first-served
    pool queue: under a burst an ack waited behind runs (issue 15). On its own pool an
    ack never queues behind a run-side checkout, however many runs hold connections.
    """

    def __init__(self, main: PostgresDatabase, pool: AsyncConnectionPool) -> None:
        # No Database.__init__: queries and the sealer are the main database's, read
        # through, since both may be set on it after construction (encryption, tests).
        self.main, self.pool, self._acks = main, pool, self
        self.on_broken = main.on_broken

    @property
    def queries(self) -> dict:
        return self.main.queries

    @property
    def sealer(self):
        return self.main.sealer


class _SqliteTx:
    def __init__(self, db: "SqliteDatabase") -> None:
        self.db = db

    async def _run_steps(self, query: str, params: dict | None):
        # A query of several statements (SQLite has no INSERT/UPDATE inside WITH): run
        # them in order inside this transaction; the result is the last one's.
        params = self.db.sealed(params)
        *before, last = self.db.steps.get(query) or [self.db.q(query)]
        for step in before:
            await self.db.conn.execute(step, params)
        return await self.db.conn.execute(last, params)

    async def execute(self, query: str, params: dict | None = None) -> int:
        cur = await self._run_steps(query, params)
        return cur.rowcount

    async def fetchone(self, query: str, params: dict | None = None) -> dict | None:
        cur = await self._run_steps(query, params)
        row = await cur.fetchone()
        return self.db.opened(dict(row)) if row is not None else None

    async def fetchall(self, query: str, params: dict | None = None) -> list[dict]:
        cur = await self._run_steps(query, params)
        return [self.db.opened(dict(r)) for r in await cur.fetchall()]

    async def run_script(self, script: str) -> None:
        # executescript would COMMIT our open transaction; run statement by statement.
        for statement in _split_statements(script):
            await self.db.conn.execute(statement)

    async def lock_migrations(self) -> None:
        pass  # BEGIN IMMEDIATE already holds SQLite's single write lock


def _split_statements(script: str) -> list[str]:
    lines = [ln for ln in script.splitlines() if not ln.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


class SqliteDatabase(Database):
    dialect = "sqlite"

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self.conn: aiosqlite.Connection | None = None
        # Plain reads go to a second connection (its own aiosqlite thread): WAL lets
        # readers run beside the writer, so a read never queues behind a transaction.
        self.reader: aiosqlite.Connection | None = None
        self._reads = {name for name, text in self.queries.items() if _is_read(text)}
        self.steps = {name: parts for name, text in self.queries.items()
                      if len(parts := _split_statements(text)) > 1}
        self._lock = asyncio.Lock()
        # (device, inode) of the file when opened: a later os.stat that differs means the
        # file was deleted or replaced under us, and what we write is lost on restart.
        self.file_id: tuple[int, int] | None = None

    async def open(self) -> "SqliteDatabase":
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, so a
        # transaction takes the write lock up front instead of failing half-way.
        self.conn = await aiosqlite.connect(self.path, isolation_level=None, timeout=30)
        self.conn.row_factory = aiosqlite.Row
        await self.conn.execute("PRAGMA busy_timeout = 30000")
        if self.path != ":memory:":
            await self.conn.execute("PRAGMA journal_mode = WAL")
        await self.conn.execute("PRAGMA foreign_keys = ON")
        if self.path != ":memory:":  # an in-memory database is private to its connection
            self.reader = await aiosqlite.connect(self.path, isolation_level=None, timeout=30)
            self.reader.row_factory = aiosqlite.Row
            await self.reader.execute("PRAGMA busy_timeout = 30000")
            stat = os.stat(self.path)
            self.file_id = (stat.st_dev, stat.st_ino)
        return self

    async def fetchone(self, query: str, params: dict | None = None, *, wait: float | None = None,
                       retry_broken: bool = False) -> dict | None:
        if self.reader is None or query not in self._reads:
            return await super().fetchone(query, params, wait=wait, retry_broken=retry_broken)
        cur = await self.reader.execute(self.q(query), self.sealed(params))
        row = await cur.fetchone()
        await cur.close()
        return self.opened(dict(row)) if row is not None else None

    async def fetchall(self, query: str, params: dict | None = None, *, wait: float | None = None,
                       retry_broken: bool = False) -> list[dict]:
        if self.reader is None or query not in self._reads:
            return await super().fetchall(query, params, wait=wait, retry_broken=retry_broken)
        cur = await self.reader.execute(self.q(query), self.sealed(params))
        rows = await cur.fetchall()
        await cur.close()
        return [self.opened(dict(r)) for r in rows]

    async def checkpoint_wal(self) -> dict | None:
        # Outside any transaction (a checkpoint cannot run inside one), on the writer's lock.
        async with self._lock:
            cur = await self.conn.execute(self.q("wal_checkpoint"))
            row = await cur.fetchone()
            await cur.close()
        return dict(row) if row is not None else None

    @asynccontextmanager
    async def transaction(self, wait: float | None = None) -> AsyncIterator[_SqliteTx]:
        # ``wait`` is not applied here: cancelling BEGIN IMMEDIATE would leave the
        # shared connection inside a transaction; busy_timeout bounds the wait instead.
        assert self.conn is not None, "SqliteDatabase.open() was not awaited"
        async with self._lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteTx(self)
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                await self.conn.execute("COMMIT")

    async def close(self) -> None:
        if self.reader is not None:
            await self.reader.close()
            self.reader = None
        if self.conn is not None:
            await self.conn.close()
            self.conn = None


def _is_read(query: str) -> bool:
    """A query that only reads: its first word, past comments, is SELECT."""
    code = " ".join(ln for ln in query.splitlines() if not ln.strip().startswith("--")).split()
    return bool(code) and code[0].upper() == "SELECT"
