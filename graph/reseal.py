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


async def reseal(storage: Storage) -> dict[str, int]:
    """Rows rewritten, per table."""
    if storage.keys is None:
        raise ValueError("SUPPORTBOT_ENCRYPTION_KEY is not set: there is nothing to encrypt with")
    db = storage.db
    # Each table's queries are written out as literals, so that the query-name check reads them.
    counts = {
        "inbox": await _batches(db, lambda a: db.fetchall("reseal_inbox_rows", a),
                                lambda tx, row: tx.execute("reseal_inbox_row", row)),
        "outbox": await _batches(db, lambda a: db.fetchall("reseal_outbox_rows", a),
                                 lambda tx, row: tx.execute("reseal_outbox_row", row)),
        "approvals": await _batches(db, lambda a: db.fetchall("reseal_approvals_rows", a),
                                    lambda tx, row: tx.execute("reseal_approvals_row", row)),
        "audit_log": await _batches(db, lambda a: db.fetchall("reseal_audit_log_rows", a),
                                    lambda tx, row: tx.execute("reseal_audit_log_row", row)),
        "shop_refunds": await _batches(db, lambda a: db.fetchall("reseal_shop_refunds_rows", a),
                                       lambda tx, row: tx.execute("reseal_shop_refunds_row", row)),
        "shop_cancellations": await _batches(db, lambda a: db.fetchall("reseal_shop_cancellations_rows", a),
                                             lambda tx, row: tx.execute("reseal_shop_cancellations_row", row)),
        "shop_tickets": await _batches(db, lambda a: db.fetchall("reseal_shop_tickets_rows", a),
                                       lambda tx, row: tx.execute("reseal_shop_tickets_row", row)),
    }
    serde = storage.checkpointer.serde
    if storage.url.kind == "postgres":
        counts.update(await _postgres_checkpoints(storage, serde))
    elif storage.url.kind == "sqlite":  # LangGraph's SQLite tables, by rowid (SQLite's dialect file only)
        counts["checkpoints"] = await _batches(
            db, lambda a: db.fetchall("reseal_checkpoint_rows", a),
            lambda tx, row: tx.execute("reseal_checkpoint_row", _again(serde, row)))
        counts["writes"] = await _batches(
            db, lambda a: db.fetchall("reseal_write_rows", a),
            lambda tx, row: tx.execute("reseal_write_row", _again(serde, row)))
    return counts


async def _batches(db, read, write) -> int:
    """Every row ``read`` returns, a batch at a time by id, handed to ``write`` (opened on the way
    out by the database's sealing, sealed with the first key on the way in)."""
    done, after = 0, -1
    while rows := await read({"after": after, "limit": BATCH}):
        async with db.transaction() as tx:
            for row in rows:
                await write(tx, row)
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
