"""The per-dialect query names the retention and forget modules build at run time exist."""

from __future__ import annotations

import re
from pathlib import Path

import sql

ROOT = Path(__file__).resolve().parents[2]


def test_every_prefixed_query_name_exists_for_its_dialect():
    names = set()
    for module in ("graph/retention.py", "graph/forget.py", "bot/operators/forget.py"):
        names |= set(re.findall(r'prefix \+ "([a-z_]+)"', (ROOT / module).read_text()))
    assert "retention_delete_writes" in names and "forget_checkpoint_counts" in names
    for dialect, prefix in (("postgres", "pg_"), ("sqlite", "sqlite_")):
        queries = sql.load_queries(dialect)
        assert sorted(prefix + n for n in names if prefix + n not in queries) == []
