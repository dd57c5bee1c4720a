"""Count the SQL statements psycopg sends, by kind (tests/perf, bench/perf.py).

Two paths reach the server: a cursor's query (``_execute_send``; the pool's
connection check is an empty one) and the connection's own commands
(``_exec_command``: BEGIN, COMMIT, ROLLBACK). Both are wrapped, nothing else.
"""

from __future__ import annotations

import collections
import functools
import re
from contextlib import contextmanager
from typing import Iterator

_NAMED = re.compile(r"%\((\w+)\)s")


@functools.cache
def our_queries() -> dict[str, str]:
    """Our named PostgreSQL queries as psycopg sends them (``$1`` for each name, in order of
    first use; ``%%`` back to ``%``) → their names."""
    import sql

    by_text = {}
    for name, text in sql.load_queries("postgres").items():
        numbers: dict[str, int] = {}
        sent = _NAMED.sub(lambda m: f"${numbers.setdefault(m.group(1), len(numbers) + 1)}", text)
        by_text[sent.replace("%%", "%").strip()] = name
    return by_text


def install(counter: collections.Counter):
    """Count into ``counter`` (statement text → times sent); returns the function that undoes it."""
    from psycopg import _connection_base, _cursor_base

    send = _cursor_base.BaseCursor._execute_send
    command = _connection_base.BaseConnection._exec_command

    def _execute_send(self, query, **kwargs):
        counter[bytes(query.query).decode(errors="replace")] += 1
        return send(self, query, **kwargs)

    def _exec_command(self, cmd, *args, **kwargs):
        counter[cmd.decode() if isinstance(cmd, bytes) else str(cmd)] += 1
        return (yield from command(self, cmd, *args, **kwargs))

    _cursor_base.BaseCursor._execute_send = _execute_send
    _connection_base.BaseConnection._exec_command = _exec_command

    def undo() -> None:
        _cursor_base.BaseCursor._execute_send = send
        _connection_base.BaseConnection._exec_command = command

    return undo


@contextmanager
def counting() -> Iterator[collections.Counter]:
    counter: collections.Counter = collections.Counter()
    undo = install(counter)
    try:
        yield counter
    finally:
        undo()


def kind_of(text: str) -> str:
    """What a statement is: one of our named queries (by name), a checkpoint read or
    write (LangGraph's saver), a transaction command, or the pool's connection check."""
    stripped = text.strip()
    if not stripped:
        return "pool connection check (empty query)"
    upper = stripped.upper()
    if upper in ("BEGIN", "COMMIT", "ROLLBACK") or upper.startswith(("BEGIN ", "SAVEPOINT", "RELEASE")):
        return "BEGIN / COMMIT"
    if stripped in our_queries():
        return f"ours: {our_queries()[stripped]}"
    if "checkpoint" in stripped.lower():
        return "checkpoint read" if upper.startswith(("SELECT", "WITH")) else "checkpoint write"
    return "other: " + " ".join(stripped.split())[:40]


def by_kind(statements: dict[str, float]) -> dict[str, float]:
    kinds: dict[str, float] = collections.defaultdict(float)
    for text, n in statements.items():
        kinds[kind_of(text)] += n
    return dict(kinds)
