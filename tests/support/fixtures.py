"""Pytest fixtures for the fakes and PostgreSQL; load with
`pytest_plugins = ["tests.support.fixtures"]` in the root conftest.

All are sync fixtures, so they serve sync and async tests alike (the fakes run
on their own threads), and each cleans up after itself.
"""

from __future__ import annotations

from typing import Iterator

import pytest

from graph.storage import open_storage
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_server import FakeSlack
from tests.support import postgres


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The session's PostgreSQL server URL (TEST_DATABASE_URL or embedded)."""
    try:
        yield postgres.pg_server_url()
    finally:
        postgres.stop_pg_server()  # a no-op for TEST_DATABASE_URL


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty database for this test, dropped afterwards."""
    url = postgres.fresh_database(pg_server)
    try:
        yield url
    finally:
        postgres.drop_database(url)


@pytest.fixture
def private_pg() -> Iterator[postgres.PrivatePostgres]:
    """A started server of the test's own, which it may stop and start again."""
    with postgres.PrivatePostgres() as server:
        yield server


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path) -> str:
    """InMemorySaver, AsyncSqliteSaver on a file, and PostgreSQL (a fresh database per test).

    Folders whose tests need a real file or server override this in their conftest."""
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'supportbot.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
async def storage(database_url):
    """Opened and migrated: orders 1001-1010 are seeded."""
    async with open_storage(database_url) as opened:
        yield opened
