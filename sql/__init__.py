"""Our own SQL: named queries and numbered migrations, shipped inside the wheel.

Queries are written once with ``:name`` parameters (SQLite's style) in
``queries.sql``. Where the dialects differ, ``queries.<dialect>.sql`` holds the
dialect's version under the same name (overriding ``queries.sql``), or the only
version when one dialect has no need of it, so code never chooses a name by
dialect. For psycopg the parameters are rewritten to ``%(name)s``.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

DIALECTS = ("postgres", "sqlite")
_NAME = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$", re.MULTILINE)
_PARAM = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


def _parse(text: str) -> dict[str, str]:
    parts = _NAME.split(text)
    queries: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2]):
        if name in queries:
            raise ValueError(f"query {name!r} is defined twice")
        queries[name] = body.strip().rstrip(";")
    return queries


def to_psycopg(query: str) -> str:
    return _PARAM.sub(r"%(\1)s", query.replace("%", "%%"))


def read_queries(folder, dialect: str) -> dict[str, str]:
    """The named queries of ``folder``'s ``queries.sql`` and ``queries.<dialect>.sql``
    (either may be missing), ready for ``dialect``'s driver."""
    if dialect not in DIALECTS:
        raise ValueError(f"unknown SQL dialect {dialect!r}")
    queries: dict[str, str] = {}
    for file_name in ("queries.sql", f"queries.{dialect}.sql"):
        path = folder.joinpath(file_name)
        if path.is_file():
            queries.update(_parse(path.read_text()))
    if dialect == "postgres":
        queries = {k: to_psycopg(v) for k, v in queries.items()}
    return queries


@cache
def load_queries(dialect: str) -> dict[str, str]:
    """All named queries the application ships for ``dialect``."""
    return read_queries(resources.files(__name__), dialect)


def migrations(dialect: str) -> list[tuple[int, str, str]]:
    """(version, name, script) for every migration of ``dialect``, in order."""
    folder = resources.files(__name__).joinpath("migrations", dialect)
    found = []
    for entry in folder.iterdir():
        match = re.match(r"^(\d{4})_(\w+)\.sql$", entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text()))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise ValueError(f"two {dialect} migrations share a number: {versions}")
    return found
