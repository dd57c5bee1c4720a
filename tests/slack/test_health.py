"""/healthz tells the truth: 503 with a one-line reason when the database refuses writes, or when
the SQLite file was deleted or replaced under the running bot; 200 when all is well."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import psycopg
import pytest

from bot.slack.health import HealthCheck
from tests.slack.conftest import running_bot
from tests.support.fixtures import database_fixture

sqlite_url = database_fixture("sqlite")


async def health(bot) -> tuple[int, str | None]:
    async with aiohttp.ClientSession() as session, session.get(f"{bot.url}/healthz") as response:
        return response.status, (await response.json()).get("reason")


async def health_until(bot, condition, timeout: float = 15.0) -> tuple[int, str | None]:
    """Poll /healthz (its verdict is cached for a moment) until ``condition(status, reason)``."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        seen = await health(bot)
        if condition(*seen):
            return seen
        assert asyncio.get_running_loop().time() < deadline, f"/healthz still says {seen}"
        await asyncio.sleep(0.1)


async def test_healthz_is_503_while_the_sqlite_database_refuses_writes(sqlite_url, fake_slack):
    async with running_bot(sqlite_url, fake_slack) as bot:
        assert await health(bot) == (200, None)
        writer = bot.service.agent.storage.db.conn
        # What a read-only file or filesystem does to the bot's writer (root ignores chmod).
        await writer.execute("PRAGMA query_only = ON")
        try:
            status, reason = await health_until(bot, lambda status, _: status == 503)
            assert reason == "database cannot be written: attempt to write a readonly database"
            assert (await bot.service.agent.storage.db.fetchone("ping"))["ok"] == 1  # reads still work
        finally:
            await writer.execute("PRAGMA query_only = OFF")
        await health_until(bot, lambda status, _: status == 200)


async def test_healthz_is_503_while_another_process_holds_the_sqlite_write_lock_and_200_after(
        sqlite_url, fake_slack):
    async with running_bot(sqlite_url, fake_slack) as bot:
        assert await health(bot) == (200, None)
        other = sqlite3.connect(sqlite_url[len("sqlite:///"):], isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        try:
            _, reason = await health_until(bot, lambda status, _: status == 503)
            assert reason == "database did not take a write within 2 s"
        finally:
            other.execute("ROLLBACK")
            other.close()
        # The probe that waited was not cancelled (that would strand the writer in a transaction):
        # it finishes, and the bot writes again.
        await health_until(bot, lambda status, _: status == 200)
        assert await bot.service.agent.storage.db.execute("health_probe_write", {"now": 1.0}) == 1


async def test_healthz_is_503_once_the_sqlite_file_is_deleted_or_replaced(sqlite_url, fake_slack, caplog):
    path = Path(sqlite_url[len("sqlite:///"):])
    async with running_bot(sqlite_url, fake_slack) as bot:
        assert await health(bot) == (200, None)
        caplog.set_level(logging.ERROR, logger="bot.slack.health")
        for suffix in ("", "-wal", "-shm"):
            os.unlink(f"{path}{suffix}")
        assert await health(bot) == (503, f"SQLite file {path} is gone")
        path.write_bytes(b"")  # someone puts an empty file back: still not ours
        assert await health(bot) == (503, f"SQLite file {path} was replaced by another file")
        errors = [r for r in caplog.records if r.name == "bot.slack.health"]
        assert len(errors) == 1 and "memory will be lost on restart" in errors[0].getMessage()


@pytest.mark.postgres
async def test_healthz_is_503_while_postgres_is_read_only(pg_migrated_url, fake_slack):
    name = urlsplit(pg_migrated_url).path.lstrip("/")

    def read_only(on: bool) -> None:
        with psycopg.connect(pg_migrated_url, autocommit=True) as conn:
            conn.execute("SET default_transaction_read_only = off")  # this session may undo it
            setting = "SET default_transaction_read_only = on" if on else "RESET default_transaction_read_only"
            conn.execute(f'ALTER DATABASE "{name}" {setting}')
            # Existing sessions keep their setting: make the bot's pool reconnect.
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))

    async with running_bot(pg_migrated_url, fake_slack) as bot:
        assert await health(bot) == (200, None)
        read_only(True)
        try:
            _, reason = await health_until(bot, lambda status, reason: status == 503 and "read-only" in reason)
            assert reason == "database cannot be written: cannot execute INSERT in a read-only transaction"
        finally:
            read_only(False)
        await health_until(bot, lambda status, _: status == 200)


async def test_a_storm_of_health_checks_costs_one_write(storage):
    check = HealthCheck(storage.db, cache_seconds=60)
    assert await check.problem() is None
    first = await storage.db.fetchone("health_probe_read")
    assert await asyncio.gather(*[check.problem() for _ in range(20)]) == [None] * 20
    assert await storage.db.fetchone("health_probe_read") == first
    assert await HealthCheck(storage.db, cache_seconds=0).problem() is None
    assert (await storage.db.fetchone("health_probe_read"))["probed_at"] > first["probed_at"]
