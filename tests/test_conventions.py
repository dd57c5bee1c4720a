"""Project conventions from DESIGN.md that a test can hold us to."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import sql

ROOT = Path(__file__).resolve().parents[1]
QUERY_CALL = re.compile(r"\.(?:execute|fetchone|fetchall)\(\s*\"([a-z_][a-z0-9_]*)\"")


def _sources(*folders: str):
    for folder in folders:
        yield from (ROOT / folder).rglob("*.py")


def test_graph_never_imports_slack():
    for path in _sources("graph"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert not name.startswith(("slack_bolt", "slack_sdk", "bot")), f"{path}: imports {name}"


@pytest.mark.parametrize("dialect", sql.DIALECTS)
def test_every_query_the_code_names_exists(dialect):
    queries = sql.load_queries(dialect)
    used = {name for path in _sources("bot", "graph") for name in QUERY_CALL.findall(path.read_text())}
    assert used, "found no query calls: the pattern is out of date"
    assert sorted(used - set(queries)) == []


@pytest.mark.parametrize("dialect", sql.DIALECTS)
def test_migrations_are_numbered_once_and_exist_for_both_dialects(dialect):
    versions = [v for v, _, _ in sql.migrations(dialect)]
    other = [v for v, _, _ in sql.migrations("sqlite" if dialect == "postgres" else "postgres")]
    assert versions == sorted(set(versions))
    assert versions == other


def test_sql_files_ship_in_the_wheel():
    config = (ROOT / "pyproject.toml").read_text()
    assert '"*.sql"' in config and '"migrations/*/*.sql"' in config
