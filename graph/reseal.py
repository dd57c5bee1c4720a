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
OWN_TABLES = ("inbox", "outbox", "approvals", "audit_log", "shop_refunds", "shop_cancellations", "shop_tickets")


async def reseal(storage: Storage) -> dict[str, int]:
    """Rows rewritten, per table."""
    if storage.keys is None:
        raise ValueError("SUPPORTBOT_ENCRYPTION_KEY is not set: there is nothing to encrypt with")
    counts = {table: await _own_table(storage, table) for table in OWN_TABLES}
    serde = storage.checkpointer.serde
    if storage.url.kind == "postgres":
        counts.update(await _postgres_checkpoints(storage, serde))
    elif storage.url.kind == "sqlite":
        for kind in ("checkpoint", "write"):
            counts[f"{kind}s"] = await _sqlite_rows(storage, serde, kind)
    return counts


async def _own_table(storage: Storage, table: str) -> int:
    done, after = 0, -1
    while rows := await storage.db.fetchall(f"reseal_{table}_rows", {"after": after, "limit": BATCH}):
        async with storage.db.transaction() as tx:
            for row in rows:  # opened on the way out, sealed with the first key on the way in
                await tx.execute(f"reseal_{table}_row", row)
        done += len(rows)
        after = rows[-1]["id"]
    return done


def _again(serde, row: dict) -> dict:
    kind, data = serde.dumps_typed(serde.loads_typed((row["type"], bytes(row["data"]))))
    return {**row, "type": kind, "data": data}


async def _sqlite_rows(storage: Storage, serde, kind: str) -> int:
    done, after = 0, -1
    while rows := await storage.db.fetchall(f"sqlite_reseal_{kind}_rows", {"after": after, "limit": BATCH}):
        async with storage.db.transaction() as tx:
            for row in rows:
                await tx.execute(f"sqlite_reseal_{kind}_row", _again(serde, row))
        done += len(rows)
        after = rows[-1]["id"]
    return done


async def _postgres_checkpoints(storage: Storage, serde) -> dict[str, int]:
    counts = {"checkpoint_blobs": 0, "checkpoint_writes": 0, "checkpoints": 0}
    for thread in await storage.db.fetchall("pg_reseal_threads"):
        thread_id = thread["thread_id"]
        async with storage.db.transaction() as tx:
            for row in await tx.fetchall("pg_reseal_blob_rows", {"thread_id": thread_id}):
                await tx.execute("pg_reseal_blob_row", {**_again(serde, row), "thread_id": thread_id})
                counts["checkpoint_blobs"] += 1
            for row in await tx.fetchall("pg_reseal_write_rows", {"thread_id": thread_id}):
                await tx.execute("pg_reseal_write_row", {**_again(serde, row), "thread_id": thread_id})
                counts["checkpoint_writes"] += 1
            for row in await tx.fetchall("pg_reseal_checkpoint_rows", {"thread_id": thread_id}):
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
        if await tx.fetchone("pg_reseal_blob_exists", key):
            # A blob wins over the inline reading (an earlier checkpoint moved this version, or this
            # is upstream's delta-snapshot marker ``true``, which must stay and holds nothing).
            if value is True:
                continue
        else:
            kind, data = serde.dumps_typed(value)
            await tx.execute("pg_reseal_blob_insert", {**key, "type": kind, "data": data})
        del values[channel]
        moved = True
    if moved:
        checkpoint["channel_values"] = values
        await tx.execute("pg_reseal_checkpoint_row", {"thread_id": thread_id, "checkpoint_ns": row["checkpoint_ns"],
                                                   "checkpoint_id": row["checkpoint_id"],
                                                   "checkpoint": Jsonb(checkpoint)})
    return moved
