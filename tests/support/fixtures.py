"""Pytest fixtures for the fakes and the databases; loaded through
``pytest_plugins`` in pyproject.toml.

Most are sync fixtures, so they serve sync and async tests alike (the fakes run
on their own threads), and each cleans up after itself.

A folder whose tests run on other backends than every one says so with
``database_url = database_fixture("sqlite", "postgres")`` in its conftest; the
PostgreSQL case is then marked ``postgres``, and so is every test that asks for
``pg_url``, ``pg_migrated_url`` or ``private_pg``; ``-m "not postgres"`` runs
without a server. A test that reaches PostgreSQL another way (getfixturevalue)
without the marker fails, which keeps the marker true.
"""

from __future__ import annotations

import asyncio
from typing import Iterator

import pytest

from graph.storage import open_storage
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_server import FakeSlack
from tests.support import postgres
from tests.support.queries import add_test_queries

BACKENDS = ("memory", "sqlite", "postgres")
NEEDS_POSTGRES = {"pg_server", "private_pg"}


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if NEEDS_POSTGRES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)


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


def _require_marker(request) -> None:
    if request.node.get_closest_marker("postgres") is None:
        raise pytest.UsageError(f"{request.node.nodeid} uses PostgreSQL but is not marked postgres: "
                                "take database_url from database_fixture(), or mark the test")


@pytest.fixture(scope="session")
def pg_template(pg_server: str) -> Iterator[str]:
    """A database migrated once per session (our tables and LangGraph's), copied for each test."""
    url = postgres.fresh_database(pg_server)

    async def migrate() -> None:
        async with open_storage(url, pool_size=1):
            pass

    asyncio.run(migrate())
    try:
        yield postgres.database_name(url)
    finally:
        postgres.drop_database(url)


@pytest.fixture
def pg_url(request, pg_server: str) -> Iterator[str]:
    """A fresh, empty database for this test (migrations not applied), dropped afterwards."""
    _require_marker(request)
    url = postgres.fresh_database(pg_server)
    try:
        yield url
    finally:
        postgres.drop_database(url)


@pytest.fixture
def pg_migrated_url(request, pg_server: str, pg_template: str) -> Iterator[str]:
    """A fresh database for this test, already migrated (a copy of the session's template)."""
    _require_marker(request)
    url = postgres.fresh_database(pg_server, template=pg_template)
    try:
        yield url
    finally:
        postgres.drop_database(url)


@pytest.fixture
def private_pg(request) -> Iterator[postgres.PrivatePostgres]:
    """A started server of the test's own, which it may stop and start again."""
    _require_marker(request)
    with postgres.PrivatePostgres() as server:
        yield server


def database_fixture(*backends: str):
    """A ``database_url`` fixture run once per backend: ``memory`` (InMemorySaver),
    ``sqlite`` (a file in tmp_path) or ``postgres`` (a fresh, migrated database)."""
    unknown = set(backends) - set(BACKENDS)
    if not backends or unknown:
        raise ValueError(f"backends are {BACKENDS}, not {sorted(unknown) or 'none'}")
    params = [pytest.param(b, marks=pytest.mark.postgres) if b == "postgres" else b for b in backends]

    @pytest.fixture(params=params)
    def database_url(request, tmp_path) -> str:
        if request.param == "memory":
            return "memory://"
        if request.param == "sqlite":
            return f"sqlite:///{tmp_path / 'supportbot.db'}"
        return request.getfixturevalue("pg_migrated_url")

    return database_url


database_url = database_fixture(*BACKENDS)


@pytest.fixture
async def storage(database_url):
    """Opened and migrated: orders 1001-1010 are seeded; the test queries run on it too."""
    async with open_storage(database_url) as opened:
        add_test_queries(opened.db)
        yield opened
