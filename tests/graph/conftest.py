"""Fixtures for graph/ tests: the same test on every checkpointer, over the seeded demo shop."""

from __future__ import annotations

import pytest

from graph.shop import Shop
from graph.storage import open_storage


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path) -> str:
    """InMemorySaver, AsyncSqliteSaver on a file, and PostgreSQL (a fresh database per test)."""
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


@pytest.fixture
def shop(storage) -> Shop:
    return Shop(storage.db)
