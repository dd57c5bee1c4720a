"""Project conventions from DESIGN.md that a test can hold us to."""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest

import sql
from tests.support import queries as test_queries
from tests.support.query_names import QueryNames

ROOT = Path(__file__).resolve().parents[1]
# Queries with no counterpart in the other dialect; the code runs them only there.
POSTGRES_ONLY = {"retention_lock", "retention_referenced_versions", "retention_delete_blobs", "retention_vacuum",
                 "retention_drop_namespace_blobs",
                 "reseal_threads", "reseal_thread_blob_rows", "reseal_thread_blob_row", "reseal_thread_blob_insert",
                 "reseal_thread_blob_exists", "reseal_thread_write_rows", "reseal_thread_write_row",
                 "reseal_thread_checkpoint_rows", "reseal_thread_checkpoint_row", "inbox_accept_batch"}
SQLITE_ONLY = {"inbox_accept_if_joined", "inbox_accept_joining",
               "reseal_checkpoint_rows", "reseal_checkpoint_row", "reseal_write_rows", "reseal_write_row",
               "wal_checkpoint"}
ONLY_IN = {"sqlite": POSTGRES_ONLY, "postgres": SQLITE_ONLY}  # what the other dialect lacks


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


@functools.cache  # reading the sources takes seconds; every dialect asks again
def _used(*folders: str, traced: bool = True) -> set[str]:
    names = QueryNames(_sources(*folders))
    if traced:
        assert names.untraced == [], "query names these calls pass cannot be traced to a literal"
    return names.used


@pytest.mark.parametrize("dialect", sql.DIALECTS)
def test_every_query_the_code_names_exists(dialect):
    used = _used("bot", "graph")
    assert {"claim_threads", "approval_decide", "retention_delete_writes"} <= used  # literal, forwarded, per dialect
    expected = used - ONLY_IN[dialect]
    assert sorted(expected - set(sql.load_queries(dialect))) == []


@pytest.mark.parametrize("dialect", sql.DIALECTS)
def test_the_shipped_sql_holds_only_queries_the_code_runs(dialect):
    assert sorted(set(sql.load_queries(dialect)) - _used("bot", "graph")) == []


@pytest.mark.parametrize("dialect", sql.DIALECTS)
def test_every_query_a_test_names_exists(dialect):
    known = set(sql.load_queries(dialect)) | set(sql.read_queries(test_queries.FOLDER, dialect))
    # Tests also run SQL of their own on driver connections, built with f-strings.
    expected = _used("tests", traced=False) - ONLY_IN[dialect]
    assert sorted(expected - known) == []


@pytest.mark.parametrize("dialect", sql.DIALECTS)
def test_migrations_are_numbered_once_and_exist_for_both_dialects(dialect):
    versions = [v for v, _, _ in sql.migrations(dialect)]
    other = [v for v, _, _ in sql.migrations("sqlite" if dialect == "postgres" else "postgres")]
    assert versions == sorted(set(versions))
    assert versions == other


def test_sql_files_ship_in_the_wheel():
    config = (ROOT / "pyproject.toml").read_text()
    assert '"*.sql"' in config and '"migrations/*/*.sql"' in config


def test_every_test_file_has_one_tier_and_the_tier_table_names_only_real_files():
    from tests import conftest

    assert sorted(f for f in conftest.BY_FILE if not (ROOT / "tests" / f).is_file()) == []
    tiers = {conftest.tier_of(path) for path in (ROOT / "tests").rglob("test_*.py")}
    assert tiers == set(conftest.TIERS)


def _exception_texts(tree) -> list[int]:
    """Lines where a caught exception is turned into text: str(exc), f"{exc}", or returned."""
    lines = []
    for handler in ast.walk(tree):
        if not (isinstance(handler, ast.ExceptHandler) and handler.name):
            continue
        for node in (n for stmt in handler.body for n in ast.walk(stmt)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("str", "repr") \
                    and any(isinstance(a, ast.Name) and a.id == handler.name for a in node.args):
                lines.append(node.lineno)
            elif isinstance(node, (ast.FormattedValue, ast.Return)) and isinstance(node.value, ast.Name) \
                    and node.value.id == handler.name:
                lines.append(node.lineno)
    return lines


def test_no_exception_text_reaches_slack():
    """What a Slack user reads comes from bot/messages.py; exceptions go to the log."""
    found = {str(path.relative_to(ROOT)): lines for path in _sources("bot/listeners", "bot/approvals", "bot/slack")
             if (lines := _exception_texts(ast.parse(path.read_text())))}
    assert found == {}


def test_the_exception_text_check_sees_the_forms_it_forbids():
    code = "try:\n    pass\nexcept E as exc:\n    return str(exc)\ntry:\n    pass\nexcept E as e:\n    say(f'{e}')\n"
    assert _exception_texts(ast.parse(code)) == [4, 8]


def test_every_path_the_architecture_map_names_exists():
    text = (ROOT / "docs" / "architecture.md").read_text()
    named = set(re.findall(r"`((?:bot|graph|sql|tests|docs|bench)/[\w./-]*)`", text))
    assert len(named) >= 20, "the map names few files: the pattern is out of date"
    assert sorted(p for p in named if not (ROOT / p).exists()) == []
