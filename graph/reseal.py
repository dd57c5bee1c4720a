"""``supportbot encrypt``: (re-)encrypt a database in place with the current key.

Run after setting SUPPORTBOT_ENCRYPTION_KEY on a database written without one, and
after a rotation (new key first, old ones in SUPPORTBOT_ENCRYPTION_OLD_KEYS) so that
the old keys can then be dropped. Every value is read with any key of the ring (or
as plaintext) and written back with the first; running it twice changes nothing
that matters. Stop the bot first: rows written meanwhile by a process without the
key would stay readable.

* our own columns: through ``Database``, which opens and seals them by name;
* checkpoints: every serialized value is loaded and dumped again through the
  encrypting serializer; on PostgreSQL the primitives upstream kept inline in the
  checkpoint's JSONB move to encrypted blobs (as ``PooledPostgresSaver.aput`` does).
"""

from __future__ import annotations

from psycopg.types.json import Jsonb

from graph.storage import Storage

BATCH = 500
# (table, query reading a batch of its sealed columns, query writing one row back)
OWN_TABLES = (
    ("inbox", "reseal_inbox_rows", "reseal_inbox_row"),
    ("outbox", "reseal_outbox_rows", "reseal_outbox_row"),
    ("approvals", "reseal_approvals_rows", "reseal_approvals_row"),
    ("audit_log", "reseal_audit_log_rows", "reseal_audit_log_row"),
    ("shop_refunds", "reseal_shop_refunds_rows", "reseal_shop_refunds_row"),
    ("shop_cancellations", "reseal_shop_cancellations_rows", "reseal_shop_cancellations_row"),
    ("shop_tickets", "reseal_shop_tickets_rows", "reseal_shop_tickets_row"),
)
# LangGraph's SQLite tables, by rowid (the queries exist in SQLite's dialect only)
SQLITE_TABLES = (
    ("checkpoints", "reseal_checkpoint_rows", "reseal_checkpoint_row"),
    ("writes", "reseal_write_rows", "reseal_write_row"),
)


async def reseal(storage: Storage) -> dict[str, int]:
    """Rows rewritten, per table."""
    if storage.keys is None:
        raise ValueError("SUPPORTBOT_ENCRYPTION_KEY is not set: there is nothing to encrypt with")
    counts = {table: await _batches(storage, read, write, lambda row: row) for table, read, write in OWN_TABLES}
    serde = storage.checkpointer.serde
    if storage.url.kind == "postgres":
        counts.update(await _postgres_checkpoints(storage, serde))
    elif storage.url.kind == "sqlite":
        for table, read, write in SQLITE_TABLES:
            counts[table] = await _batches(storage, read, write, lambda row: _again(serde, row))
    return counts


async def _batches(storage: Storage, read: str, write: str, rewrite) -> int:
    done, after = 0, -1
    while rows := await storage.db.fetchall(read, {"after": after, "limit": BATCH}):
        async with storage.db.transaction() as tx:
            for row in rows:  # opened on the way out, sealed with the first key on the way in
                await tx.execute(write, rewrite(row))
        done += len(rows)
        after = rows[-1]["id"]
    return done


def _again(serde, row: dict) -> dict:
    kind, data = serde.dumps_typed(serde.loads_typed((row["type"], bytes(row["data"]))))
    return {**row, "type": kind, "data": data}


async def _postgres_checkpoints(storage: Storage, serde) -> dict[str, int]:
    counts = {"checkpoint_blobs": 0, "checkpoint_writes": 0, "checkpoints": 0}
    for thread in await storage.db.fetchall("reseal_threads"):
        thread_id = thread["thread_id"]
        async with storage.db.transaction() as tx:
            for row in await tx.fetchall("reseal_thread_blob_rows", {"thread_id": thread_id}):
                await tx.execute("reseal_thread_blob_row", {**_again(serde, row), "thread_id": thread_id})
                counts["checkpoint_blobs"] += 1
            for row in await tx.fetchall("reseal_thread_write_rows", {"thread_id": thread_id}):
                await tx.execute("reseal_thread_write_row", {**_again(serde, row), "thread_id": thread_id})
                counts["checkpoint_writes"] += 1
            for row in await tx.fetchall("reseal_thread_checkpoint_rows", {"thread_id": thread_id}):
                if await _move_inline(tx, serde, thread_id, row):
                    counts["checkpoints"] += 1
    return counts


async def _move_inline(tx, serde, thread_id: str, row: dict) -> bool:
    checkpoint = dict(row["checkpoint"])
    values = dict(checkpoint.get("channel_values") or {})
    versions = checkpoint.get("channel_versions") or {}
    moved = False
    for channel, value in list(values.items()):
        if value is None or not isinstance(value, (str, int, float, bool)) or channel not in versions:
            continue
        key = {"thread_id": thread_id, "checkpoint_ns": row["checkpoint_ns"], "channel": channel,
               "version": str(versions[channel])}
        if await tx.fetchone("reseal_thread_blob_exists", key):
            # A blob wins over the inline reading (an earlier checkpoint moved this version, or this
            # is upstream's delta-snapshot marker ``true``, which must stay and holds nothing).
            if value is True:
                continue
        else:
            kind, data = serde.dumps_typed(value)
            await tx.execute("reseal_thread_blob_insert", {**key, "type": kind, "data": data})
        del values[channel]
        moved = True
    if moved:
        checkpoint["channel_values"] = values
        await tx.execute("reseal_thread_checkpoint_row", {"thread_id": thread_id, "checkpoint_ns": row["checkpoint_ns"],
                                                   "checkpoint_id": row["checkpoint_id"],
                                                   "checkpoint": Jsonb(checkpoint)})
    return moved
