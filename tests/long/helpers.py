"""Small helpers shared by the long-conversation tests."""

from __future__ import annotations

import sql


def thread(thread_id: str, **metadata) -> dict:
    config: dict = {"configurable": {"thread_id": thread_id}}
    if metadata:
        config["metadata"] = metadata
    return config


async def run_sql(storage, statement: str, params: dict | None = None) -> list:
    """Run ad-hoc SQL (``:name`` parameters) on our database, either dialect; returns rows as tuples."""
    params = params or {}
    if storage.db.dialect == "postgres":
        async with storage.pool.connection() as conn:
            cur = await conn.execute(sql.to_psycopg(statement), params)
            rows = await cur.fetchall() if cur.description else []
            return [tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in rows]
    async with storage.db.transaction():
        cur = await storage.db.conn.execute(statement, params)
        return [tuple(r) for r in await cur.fetchall()]


async def tables_containing(storage, needle: str) -> list[str]:
    """Every ``table.column`` (text, bytea, json) where ``needle`` occurs, checkpoint blobs included."""
    found = []
    if storage.db.dialect == "postgres":
        columns = await run_sql(storage, """
            SELECT table_name, column_name, data_type FROM information_schema.columns
            WHERE table_schema = current_schema()
              AND data_type IN ('text', 'bytea', 'jsonb', 'json', 'character varying', 'character')""")
        for table, column, kind in columns:
            expr = f'"{column}"' if kind == "bytea" else f'convert_to("{column}"::text, \'UTF8\')'
            rows = await run_sql(storage, f'SELECT count(*) FROM "{table}" '
                                          f"WHERE position(convert_to(:needle, 'UTF8') IN {expr}) > 0",
                                 {"needle": needle})
            if rows[0][0]:
                found.append(f"{table}.{column}")
        return found
    tables = [r[0] for r in await run_sql(storage, "SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        for column in [r[1] for r in await run_sql(storage, f'PRAGMA table_info("{table}")')]:
            rows = await run_sql(storage, f'SELECT count(*) FROM "{table}" '
                                          f'WHERE instr(CAST("{column}" AS BLOB), CAST(:needle AS BLOB)) > 0',
                                 {"needle": needle})
            if rows[0][0]:
                found.append(f"{table}.{column}")
    return found


async def dump_contains(storage, needle: str) -> list[str]:
    """Every table, of every schema, one of whose rows holds ``needle`` once dumped as text
    (what pg_dump would write; a bytea shows as hex there, so its hex is looked for too).
    PostgreSQL only."""
    found = []
    tables = await run_sql(storage, """
        SELECT schemaname, tablename FROM pg_tables
        WHERE schemaname NOT IN ('pg_catalog', 'information_schema')""")
    for schema, table in tables:
        rows = await run_sql(storage, f'SELECT count(*) FROM "{schema}"."{table}" AS t '
                                      "WHERE position(:needle IN t::text) > 0 OR position(:hex IN t::text) > 0",
                             {"needle": needle, "hex": needle.encode().hex()})
        if rows[0][0]:
            found.append(f"{schema}.{table}")
    return found


def files_containing(db_path: str, needle: str) -> list[str]:
    """Which of a SQLite database's files (the file, its -wal and -shm) hold ``needle`` byte for byte."""
    from pathlib import Path

    found = []
    for suffix in ("", "-wal", "-shm"):
        path = Path(db_path + suffix)
        if path.exists() and needle.encode() in path.read_bytes():
            found.append(path.name)
    return found
