"""One ``DATABASE_URL`` → a LangGraph checkpointer plus our own tables.

``memory://``          InMemorySaver, our tables in an in-memory SQLite (tests)
``sqlite:///path``     AsyncSqliteSaver on a file, our tables in the same file
``postgresql://…``     AsyncPostgresSaver on a psycopg_pool.AsyncConnectionPool
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator
from urllib.parse import urlsplit

import aiosqlite
import psycopg
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.serde.encrypted import EncryptedSerializer
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from graph.db import Database, PostgresDatabase, SqliteDatabase
from graph.sealing import CHECK_PLAINTEXT, KeyRing, SealError, strict_serde

log = logging.getLogger(__name__)


class StorageError(Exception):
    """A DATABASE_URL that cannot be used; the message names the problem."""


@dataclass(frozen=True)
class StorageUrl:
    kind: str  # "memory" | "sqlite" | "postgres"
    target: str  # file path, or the libpq conninfo

    @property
    def redacted(self) -> str:
        if self.kind != "postgres":
            return f"{self.kind}:{self.target}"
        parts = urlsplit(self.target)
        host = parts.hostname or ""
        return f"postgresql://{host}{':' + str(parts.port) if parts.port else ''}{parts.path}"


def parse_url(url: str) -> StorageUrl:
    """Validate a DATABASE_URL without touching anything."""
    if not url or not url.strip():
        raise StorageError("DATABASE_URL is empty")
    url = url.strip()
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "memory":
        return StorageUrl("memory", ":memory:")
    if scheme == "sqlite":
        if not url.startswith("sqlite:///") or len(url) <= len("sqlite:///"):
            raise StorageError(
                f"DATABASE_URL {url!r} is not a SQLite URL of the form sqlite:///relative.db "
                "or sqlite:////absolute/path.db"
            )
        return StorageUrl("sqlite", url[len("sqlite:///"):])
    if scheme in ("postgres", "postgresql", "postgresql+psycopg"):
        parts = urlsplit(url)
        if not parts.hostname and "host=" not in parts.query:
            raise StorageError(f"DATABASE_URL {url!r} names no PostgreSQL host")
        return StorageUrl("postgres", "postgresql" + url[len(scheme):])
    raise StorageError(
        f"DATABASE_URL {url!r} has an unknown scheme; use memory://, sqlite:///file.db "
        "or postgresql://user@host/db"
    )


class _NoLock:
    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *exc) -> None:
        return None


class _Boxed:
    """A primitive channel value on its way to a blob (see ``PooledPostgresSaver.aput``)."""

    __slots__ = ("value",)

    def __init__(self, value) -> None:
        self.value = value


class SealingSerializer(EncryptedSerializer):
    """LangGraph's EncryptedSerializer that also takes boxed primitives (stored as the primitive)."""

    def dumps_typed(self, obj):
        return super().dumps_typed(obj.value if isinstance(obj, _Boxed) else obj)


class PooledPostgresSaver(AsyncPostgresSaver):
    """AsyncPostgresSaver without its per-instance lock when it sits on a pool.

    Upstream takes one asyncio.Lock around every query of a saver, even when
    each query gets its own pooled connection (LangGraph issue 7259), which
    serialises all threads of a process. With a pool and no pipeline, every
    ``_cursor`` already has a connection of its own, so the lock guards nothing.
    """

    def __init__(self, pool: AsyncConnectionPool, **kwargs) -> None:
        # On one connection, or through a pipeline, upstream's lock is what keeps two
        # queries from interleaving on it: without the lock that is unsafe.
        if not isinstance(pool, AsyncConnectionPool) or kwargs.get("pipe") is not None:
            raise TypeError(
                f"PooledPostgresSaver runs without a lock, so it takes only a psycopg_pool.AsyncConnectionPool "
                f"and no pipeline (given {type(pool).__name__}); use AsyncPostgresSaver for anything else")
        super().__init__(pool, **kwargs)
        self.lock = _NoLock()  # type: ignore[assignment]

    async def aput(self, config, checkpoint, metadata, new_versions):
        # Upstream keeps str / int / float / bool channel values inline in the checkpoint's
        # JSONB, outside the serializer: with encryption on, a summary or a customer's email
        # would sit there in the clear. Boxed, they go to checkpoint_blobs through the
        # (encrypting) serializer and load back as the plain values they were.
        if isinstance(self.serde, SealingSerializer):
            values = {k: _Boxed(v) if isinstance(v, (str, int, float, bool)) else v
                      for k, v in checkpoint["channel_values"].items()}
            checkpoint = {**checkpoint, "channel_values": values}
        return await super().aput(config, checkpoint, metadata, new_versions)

    async def setup(self) -> None:
        # Upstream's setup is unsafe from two processes at once (duplicate CREATE TABLE
        # and version rows; concurrent CREATE INDEX CONCURRENTLY deadlocks, which can
        # leave an invalid index behind), so one process at a time runs it, holding a
        # transaction-level advisory lock. Waiters poll instead of blocking: a blocked
        # waiter's snapshot would make the holder's CREATE INDEX CONCURRENTLY wait forever.
        async with self.conn.connection() as conn, conn.transaction():
            await conn.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")  # no snapshot kept
            while not (await (await conn.execute(_TRY_SETUP_LOCK)).fetchone())["ok"]:
                await asyncio.sleep(0.05)
            await super().setup()


_TRY_SETUP_LOCK = "SELECT pg_try_advisory_xact_lock(7265020002) AS ok"


class ReadSplitSqliteSaver(AsyncSqliteSaver):
    """AsyncSqliteSaver whose reads (``aget_tuple``, ``alist``) run on a second connection.

    Upstream serves every query of a saver on one connection, one aiosqlite thread,
    behind one lock: a thread's checkpoint read waits for every other thread's writes.
    The file is in WAL mode (graph/db.py), so a reader sees each committed write and
    never blocks the writer.
    """

    def __init__(self, conn: aiosqlite.Connection, read_conn: aiosqlite.Connection, **kwargs) -> None:
        super().__init__(conn, **kwargs)
        self.reader = AsyncSqliteSaver(read_conn, serde=self.serde)

    async def setup(self) -> None:
        await super().setup()
        self.reader.is_setup = True  # same file: the tables exist now

    async def aget_tuple(self, config):
        if not self.is_setup:  # upstream's setup() takes the writer's lock even when done
            await self.setup()
        self.reader.serde = self.serde  # whatever serialiser (encryption) was set on us since
        return await self.reader.aget_tuple(config)

    async def alist(self, config, *, filter=None, before=None, limit=None):
        if not self.is_setup:
            await self.setup()
        self.reader.serde = self.serde
        async for item in self.reader.alist(config, filter=filter, before=before, limit=limit):
            yield item


CHECK_IDLE_SECONDS = 1.0  # shorter than any server restart, longer than a busy pool's turnover
DISTRUST_SECONDS = 10.0  # after a dead connection: long enough to meet every pooled one


class IdleCheck:
    """The pool's connection check, run only on connections idle longer than ``idle`` seconds.

    Checking on every checkout cost one empty query per statement (about 20 round
    trips a turn). A connection that breaks while in use is discarded by the pool
    when it comes back (psycopg marks it bad), so only idle ones need a look.
    """

    def __init__(self, idle: float = CHECK_IDLE_SECONDS) -> None:
        self.idle = idle
        self._back_at: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._check_all_until = 0.0

    def distrust(self, seconds: float = DISTRUST_SECONDS) -> None:
        """A connection was found dead: the server restarted, so the others that were busy a
        moment before it did are dead too. Check every checkout for a while."""
        self._check_all_until = time.monotonic() + seconds

    async def returned(self, conn) -> None:
        self._back_at[conn] = time.monotonic()

    async def check(self, conn) -> None:
        back = self._back_at.get(conn)
        now = time.monotonic()
        if back is None or now - back > self.idle or now < self._check_all_until:
            await AsyncConnectionPool.check_connection(conn)


@dataclass
class Storage:
    url: StorageUrl
    checkpointer: BaseCheckpointSaver
    db: Database
    pool: AsyncConnectionPool | None = None
    keys: KeyRing | None = None
    ack_pool: AsyncConnectionPool | None = None  # PostgreSQL: reserved for the ack's write


def serializer(keys: KeyRing | None):
    """Strict msgpack always; encrypted too when there is a key."""
    return SealingSerializer(keys, strict_serde()) if keys is not None else strict_serde()


@asynccontextmanager
async def open_storage(
    url: str, *, pool_size: int = 10, migrate: bool = True, connect_timeout: float = 10.0,
    keys: list[bytes] | None = None, ack_connections: int = 0,
) -> AsyncIterator[Storage]:
    """Open checkpointer and database for ``url``; applies migrations unless told not to.

    ``keys`` (SUPPORTBOT_ENCRYPTION_KEY first, then older ones) turn on encryption at rest.
    ``ack_connections``: on PostgreSQL, a pool of up to that many connections beside the
    ``pool_size`` ones, for ``db.for_acks()`` only (a process that takes Slack deliveries).
    """
    parsed = parse_url(url)
    ring = KeyRing(keys) if keys else None
    serde = serializer(ring)
    async with contextlib.AsyncExitStack() as stack:
        if parsed.kind == "postgres":
            storage = await _open_postgres(parsed, stack, pool_size, connect_timeout, serde, ack_connections)
        elif parsed.kind == "sqlite":
            storage = await _open_sqlite(parsed, stack, serde)
        else:
            db = await SqliteDatabase(":memory:").open()
            stack.push_async_callback(db.close)
            storage = Storage(parsed, InMemorySaver(serde=serde), db)
        storage.keys = storage.db.sealer = ring
        if migrate:
            await storage.db.migrate()
            setup = getattr(storage.checkpointer, "setup", None)
            if setup is not None:
                await setup()
        await check_key(storage.db, ring)
        yield storage


def _pool(target: str, name: str, size: int, idle_check: IdleCheck) -> AsyncConnectionPool:
    return AsyncConnectionPool(
        target,
        min_size=1,
        max_size=size,
        open=False,
        # prepare_threshold=None: no server-side prepared statements, so that
        # transaction poolers such as pgbouncer work.
        kwargs={"autocommit": True, "row_factory": dict_row, "prepare_threshold": None},
        name=name,
        # Check a connection as it leaves the pool only when it sat unused: one that was
        # busy a moment ago is alive, one that waited may have died with a server restart.
        check=idle_check.check,
        reset=idle_check.returned,
        reconnect_timeout=300,
    )


async def _open_postgres(parsed, stack, pool_size, connect_timeout, serde, ack_connections=0) -> Storage:
    # One check for both pools: a server restart kills the connections of both.
    idle_check = IdleCheck()
    pool = _pool(parsed.target, "supportbot", max(2, pool_size), idle_check)
    try:
        # One plain connection first: a refused or misnamed server fails at once with
        # its own error, instead of the pool retrying for connect_timeout and saying only that.
        probe = await psycopg.AsyncConnection.connect(
            parsed.target, connect_timeout=max(1, round(connect_timeout)))
        await probe.close()
        await pool.open(wait=True, timeout=connect_timeout)
    except Exception as exc:
        await pool.close()
        raise StorageError(
            f"DATABASE_URL: cannot connect to PostgreSQL at {parsed.redacted}: {first_line(exc)}"
        ) from exc
    stack.push_async_callback(pool.close)
    ack_pool = None
    if ack_connections > 0:
        ack_pool = _pool(parsed.target, "supportbot-acks", ack_connections, idle_check)
        stack.push_async_callback(ack_pool.close)
        await ack_pool.open(wait=True, timeout=connect_timeout)
    db = PostgresDatabase(pool, ack_pool, on_broken=idle_check.distrust)
    return Storage(parsed, PooledPostgresSaver(pool, serde=serde), db, pool,
                   ack_pool=ack_pool)


async def _open_sqlite(parsed, stack, serde) -> Storage:
    path = Path(parsed.target)
    if not path.parent.exists():
        raise StorageError(f"DATABASE_URL: folder {str(path.parent)!r} does not exist")
    try:
        db = await SqliteDatabase(str(path)).open()
    except Exception as exc:
        raise StorageError(f"DATABASE_URL: cannot open SQLite file {str(path)!r}: {exc}") from exc
    stack.push_async_callback(db.close)
    connections = []
    for _ in range(2):  # the saver's writer and its reader
        conn = await aiosqlite.connect(str(path), timeout=30)
        stack.push_async_callback(conn.close)
        await conn.execute("PRAGMA busy_timeout = 30000")
        connections.append(conn)
    return Storage(parsed, ReadSplitSqliteSaver(*connections, serde=serde), db)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


async def check_key(db: Database, keys: KeyRing | None) -> None:
    """One line and no start when the key does not fit the database.

    The first start with a key seals a known value into ``encryption_check``; every later
    start opens it. Without a key, a database that has that row holds encrypted rows.
    """
    try:
        row = await db.fetchone("encryption_check_get")
    except Exception:  # not migrated (``migrate=False`` on a fresh database): nothing encrypted yet
        return
    if row is None:
        if keys is not None:
            await db.execute("encryption_check_set", {"sealed": keys.seal(CHECK_PLAINTEXT)})
        return
    if keys is None:
        raise StorageError("this database holds encrypted rows: set SUPPORTBOT_ENCRYPTION_KEY to the key "
                           "they were written with")
    try:
        opened = keys.open(row["sealed"])
    except SealError:
        opened = None
    if opened != CHECK_PLAINTEXT:
        raise StorageError("SUPPORTBOT_ENCRYPTION_KEY does not open this database's encrypted rows "
                           "(a wrong key? an old one goes in SUPPORTBOT_ENCRYPTION_OLD_KEYS)")
