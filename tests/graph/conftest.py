"""Fixtures for graph/ tests; database_url and storage (every checkpointer) come from tests/support/fixtures.py."""

from __future__ import annotations

import pytest

from graph.shop import Shop


@pytest.fixture
def shop(storage) -> Shop:
    return Shop(storage.db)
