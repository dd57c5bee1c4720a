"""DATABASE_URL → storage: parsing, bad URLs at the CLI, and `supportbot migrate`."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import psycopg
import pytest

import sql
from graph.storage import StorageError, parse_url

SUPPORTBOT = Path(sys.executable).with_name("supportbot")


def start(command: str, cwd: Path, database_url: str | None) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DATABASE_", "SUPPORTBOT_"))}
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return subprocess.Popen([str(SUPPORTBOT), command], cwd=cwd, env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen, stdin: str = "quit\n") -> tuple[int, str, str]:
    out, err = process.communicate(stdin, timeout=60)
    return process.returncode, out, err


def migrate(cwd: Path, database_url: str | None) -> tuple[int, str, str]:
    return finish(start("migrate", cwd, database_url))


def shipped(dialect: str) -> list[int]:
    return [version for version, _, _ in sql.migrations(dialect)]


def applied_versions(database_url: str, cwd: Path) -> list[int]:
    query = "SELECT version FROM schema_migrations ORDER BY version"
    if database_url.startswith("postgresql"):
        with psycopg.connect(database_url) as conn:
            return [v for (v,) in conn.execute(query)]
    with closing(sqlite3.connect(cwd / database_url.removeprefix("sqlite:///"))) as conn:
        return [v for (v,) in conn.execute(query)]


@pytest.mark.parametrize(
    "url, kind, target",
    [
        ("memory://", "memory", ":memory:"),
        ("sqlite:///bot.db", "sqlite", "bot.db"),
        ("sqlite:////var/lib/bot.db", "sqlite", "/var/lib/bot.db"),
        ("postgres://u:pw@db:5433/app", "postgres", "postgresql://u:pw@db:5433/app"),
    ],
)
def test_database_urls_name_a_backend_and_its_target(url, kind, target):
    parsed = parse_url(url)
    assert (parsed.kind, parsed.target) == (kind, target)


def test_a_redacted_postgresql_url_hides_the_credentials():
    assert parse_url("postgresql://admin:s3cret@db.internal:5433/app").redacted == "postgresql://db.internal:5433/app"


@pytest.mark.parametrize("url", ["", "mysql://db/app", "sqlite://bot.db", "postgresql:///app"])
def test_unusable_database_urls_are_refused_naming_the_setting(url):
    with pytest.raises(StorageError, match="^DATABASE_URL"):
        parse_url(url)


@pytest.mark.parametrize(
    "database_url, cause",
    [
        ("foo://bar", "has an unknown scheme"),
        ("sqlite:///no/such/folder/bot.db", "folder 'no/such/folder' does not exist"),
        ("postgresql://postgres@127.0.0.1:1/app", "Connection refused"),
    ],
    ids=["unknown-scheme", "missing-folder", "closed-port"],
)
def test_a_bad_database_url_stops_chat_and_migrate_with_one_line(database_url, cause, tmp_path):
    running = [start(command, tmp_path, database_url) for command in ("chat", "migrate")]
    for code, out, err in map(finish, running):
        assert code != 0
        lines = err.splitlines()
        assert not [line for line in lines if line.startswith("{") and "psycopg" in line], err  # no retry noise
        problems = [line for line in lines if not line.startswith("{")]  # not JSON log records
        assert len(problems) == 1 and problems[0].startswith("supportbot: DATABASE_URL"), err
        assert cause in problems[0]
        assert out == ""
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_migrate_twice_applies_everything_once(backend, tmp_path, request):
    database_url = request.getfixturevalue("pg_url") if backend == "postgres" else "sqlite:///bot.db"

    first, second = migrate(tmp_path, database_url), migrate(tmp_path, database_url)

    assert first[0] == 0 and first[1].rstrip().endswith(f"applied {shipped(backend)}"), first
    assert second[0] == 0 and second[1].rstrip().endswith("applied nothing (up to date)"), second
    assert applied_versions(database_url, tmp_path) == shipped(backend)


@pytest.mark.postgres
def test_two_concurrent_migrations_of_a_fresh_postgresql_database_both_succeed(pg_url, tmp_path):
    results = [finish(p) for p in [start("migrate", tmp_path, pg_url) for _ in range(2)]]

    assert [code for code, _, _ in results] == [0, 0], results
    assert applied_versions(pg_url, tmp_path) == shipped("postgres")
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM shop_orders").fetchone()[0] == 10
        assert conn.execute("SELECT count(DISTINCT v) = count(*) FROM checkpoint_migrations").fetchone()[0]
        assert conn.execute("SELECT count(*) FROM pg_index WHERE NOT indisvalid").fetchone()[0] == 0


@pytest.mark.postgres
async def test_the_lockless_postgres_saver_refuses_a_single_connection_and_a_pipeline(pg_migrated_url):
    import asyncio

    from psycopg_pool import AsyncConnectionPool

    from graph.storage import PooledPostgresSaver

    pg_url = pg_migrated_url
    async with await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as conn:
        with pytest.raises(TypeError, match="only a psycopg_pool.AsyncConnectionPool.*given AsyncConnection"):
            PooledPostgresSaver(conn)
        async with conn.pipeline() as pipe, AsyncConnectionPool(
                pg_url, min_size=1, open=False, kwargs={"autocommit": True}) as pool:
            with pytest.raises(TypeError, match="no pipeline"):
                PooledPostgresSaver(pool, pipe=pipe)
            saver = PooledPostgresSaver(pool)
            async with saver.lock:  # upstream's asyncio.Lock would make the read below wait forever
                read = saver.aget_tuple({"configurable": {"thread_id": "t", "checkpoint_ns": ""}})
                assert await asyncio.wait_for(read, timeout=10) is None
