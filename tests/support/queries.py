"""Queries only tests run (``tests/support/queries*.sql``): they read rows the
code under test wrote. The shipped files keep only what the application runs."""

from __future__ import annotations

from pathlib import Path

import sql

FOLDER = Path(__file__).resolve().parent


def add_test_queries(db):
    """Let ``db`` (a graph.db.Database the code under test opened) run the test queries too."""
    db.queries = {**db.queries, **sql.read_queries(FOLDER, db.dialect)}
    return db
