-- SQLite versions of queries whose SQL differs from queries.sql.

-- name: claim_threads
-- Runs inside BEGIN IMMEDIATE: SQLite's single write lock makes it atomic.
-- ("WHERE true" lets SQLite parse INSERT ... SELECT ... ON CONFLICT.)
WITH candidate AS (
    SELECT i.thread_id
    FROM inbox i
    LEFT JOIN thread_leases l ON l.thread_id = i.thread_id
    WHERE i.status IN ('pending', 'running') AND i.available_at <= :now
      AND (l.thread_id IS NULL OR l.expires_at < :now)
    GROUP BY i.thread_id
    ORDER BY min(i.item_id)
    LIMIT :limit
)
INSERT INTO thread_leases (thread_id, owner, fence, expires_at)
SELECT thread_id, :owner, 1, :expires FROM candidate WHERE true
ON CONFLICT (thread_id) DO UPDATE
    SET owner = excluded.owner, fence = thread_leases.fence + 1, expires_at = excluded.expires_at
    WHERE thread_leases.expires_at < :now
RETURNING thread_id, fence

-- name: inbox_accept_if_joined
-- A reply in a channel thread is stored only when the bot joined that thread: one
-- statement, no row when it did not (or the delivery is a duplicate).
INSERT INTO inbox (delivery_key, thread_id, kind, payload, status, created_at, updated_at)
SELECT :delivery_key, thread_id, :kind, :payload, 'pending', :now, :now
FROM conversations WHERE thread_id = :thread_id
ON CONFLICT (delivery_key) DO NOTHING
RETURNING item_id

-- name: inbox_accept_joining
-- (These two are the ack's write on SQLite, run per delivery in one transaction per batch,
-- bot/queue/ack_batch.py; PostgreSQL writes a batch as one inbox_accept_batch.)
-- Several statements: SqliteDatabase runs them in one transaction, the last one's rows
-- the result (SQLite has no INSERT inside WITH). The conversation, then the delivery.
INSERT INTO conversations (thread_id, team_id, channel_id, thread_ts, started_by, created_at, last_activity_at)
VALUES (:thread_id, :team_id, :channel_id, :thread_ts, :user_id, :now, :now)
ON CONFLICT (thread_id) DO UPDATE SET last_activity_at = excluded.last_activity_at;
INSERT INTO inbox (delivery_key, thread_id, kind, payload, status, created_at, updated_at)
VALUES (:delivery_key, :thread_id, :kind, :payload, 'pending', :now, :now)
ON CONFLICT (delivery_key) DO NOTHING
RETURNING item_id

-- name: inbox_finish_take
-- Several statements in one transaction, all under the fence: the run's items done;
-- the lease given back when no open item is left; the next items taken (none once the
-- lease is given back, as the take checks it).
UPDATE inbox SET status = :status, error = :error, updated_at = :now
WHERE thread_id = :thread_id AND fence = :fence AND status = 'running' AND item_id <= :upto
  AND EXISTS (SELECT 1 FROM thread_leases l
              WHERE l.thread_id = :thread_id AND l.fence = :fence AND l.expires_at >= :now);
UPDATE thread_leases SET expires_at = 0
WHERE thread_id = :thread_id AND fence = :fence AND owner = :owner AND expires_at >= :now
  AND NOT EXISTS (SELECT 1 FROM inbox
                  WHERE thread_id = :thread_id AND (status = 'pending' OR (status = 'running' AND item_id > :upto)));
UPDATE inbox SET status = 'running', fence = :fence, attempts = attempts + 1, updated_at = :now
WHERE thread_id = :thread_id AND (status = 'pending' OR (status = 'running' AND item_id > :upto))
  AND EXISTS (SELECT 1 FROM thread_leases l
              WHERE l.thread_id = :thread_id AND l.fence = :fence AND l.owner = :owner AND l.expires_at >= :now)
RETURNING item_id, delivery_key, thread_id, kind, payload, attempts, created_at

-- ---- operators
-- LangGraph's AsyncSqliteSaver tables (created by its setup(), after our
-- migrations): checkpoints(thread_id, checkpoint_ns, checkpoint_id,
-- parent_checkpoint_id, type, checkpoint BLOB, metadata BLOB of JSON) and writes.

-- name: operator_checkpoint_threads
SELECT c.thread_id, count(*) AS checkpoints, max(c.checkpoint_id) AS last_checkpoint_id,
       sum(length(c.checkpoint) + coalesce(length(c.metadata), 0))
       + coalesce((SELECT sum(length(w.value)) FROM writes w WHERE w.thread_id = c.thread_id), 0) AS bytes
FROM checkpoints c GROUP BY c.thread_id

-- name: operator_threads_of_user
SELECT DISTINCT thread_id FROM checkpoints
WHERE json_extract(CAST(metadata AS TEXT), '$.slack_user') = :user

-- name: stats_checkpoint_sources
SELECT thread_id,
       sum(CASE WHEN source = 'input' THEN 1 ELSE 0 END) AS inputs,
       sum(CASE WHEN source = 'loop' THEN 1 ELSE 0 END) AS loops
FROM (SELECT thread_id, json_extract(CAST(metadata AS TEXT), '$.source') AS source
      FROM checkpoints WHERE checkpoint_ns = '' AND checkpoint_id >= :since_id) AS sources
GROUP BY thread_id

-- name: stats_message_writes
SELECT thread_id, type, value AS blob FROM writes
WHERE channel = 'messages' AND checkpoint_ns = '' AND checkpoint_id >= :since_id

-- ---- long conversations: retention and forget

-- name: retention_interrupt_writes
SELECT checkpoint_id, type, value AS blob FROM writes
WHERE thread_id = :thread_id AND channel = '__interrupt__'

-- name: retention_uses_delta_channel
-- As upstream's PostgreSQL prune checks; the metadata is JSON text in a BLOB column.
SELECT EXISTS (
    SELECT 1 FROM checkpoints WHERE thread_id = :thread_id AND json_valid(CAST(metadata AS TEXT))
    AND (json_type(CAST(metadata AS TEXT), '$.counters_since_delta_snapshot') IS NOT NULL
         OR json_type(CAST(metadata AS TEXT), '$.delta_writes_versioned') IS NOT NULL)
) AS delta

-- name: retention_namespaces
-- Each namespace with the root checkpoint its latest checkpoint ran under (none for the root).
SELECT c.checkpoint_ns,
       CASE WHEN json_valid(CAST(c.metadata AS TEXT))
            THEN json_extract(CAST(c.metadata AS TEXT), '$.parents.""') END AS root
FROM checkpoints c
WHERE c.thread_id = :thread_id AND c.checkpoint_id = (
    SELECT max(checkpoint_id) FROM checkpoints
    WHERE thread_id = c.thread_id AND checkpoint_ns = c.checkpoint_ns)

-- name: retention_drop_namespace_writes
DELETE FROM writes WHERE thread_id = :thread_id AND checkpoint_ns = :checkpoint_ns

-- name: retention_delete_writes
DELETE FROM writes
WHERE thread_id = :thread_id AND checkpoint_ns = :checkpoint_ns AND checkpoint_id < :cutoff
AND checkpoint_id NOT IN (SELECT value FROM json_each(:pinned))

-- name: retention_delete_checkpoints
DELETE FROM checkpoints
WHERE thread_id = :thread_id AND checkpoint_ns = :checkpoint_ns AND checkpoint_id < :cutoff
AND checkpoint_id NOT IN (SELECT value FROM json_each(:pinned))

-- name: retention_orphan_parents
UPDATE checkpoints SET parent_checkpoint_id = NULL
WHERE thread_id = :thread_id AND checkpoint_ns = :checkpoint_ns AND parent_checkpoint_id < :cutoff
AND parent_checkpoint_id NOT IN (SELECT value FROM json_each(:pinned))

-- name: forget_checkpoint_writes
DELETE FROM writes WHERE thread_id = :thread_id

-- name: forget_checkpoint_blobs
-- AsyncSqliteSaver keeps channel values inside the checkpoint row: no blob table, nothing to delete.
DELETE FROM checkpoints WHERE 0 = 1

-- name: forget_checkpoints
DELETE FROM checkpoints WHERE thread_id = :thread_id

-- name: wal_checkpoint
-- After a forget: copy the WAL into the file and empty it, so erased text does not linger in the -wal file.
PRAGMA wal_checkpoint(TRUNCATE)

-- name: forget_threads_of_slack_user
SELECT DISTINCT thread_id FROM checkpoints
WHERE json_extract(CAST(metadata AS TEXT), '$.slack_user') = :user_id

-- name: forget_threads_mentioning
SELECT DISTINCT thread_id FROM checkpoints WHERE instr(checkpoint, CAST(:user_id AS BLOB)) > 0

-- name: tables_with_thread_id
SELECT m.name AS table_name FROM sqlite_master AS m, pragma_table_info(m.name) AS p
WHERE m.type = 'table' AND p.name = 'thread_id'

-- ---- supportbot encrypt: LangGraph's SQLite checkpoint tables, by rowid
-- name: reseal_checkpoint_rows
SELECT rowid AS id, type, checkpoint AS data FROM checkpoints WHERE rowid > :after ORDER BY rowid LIMIT :limit

-- name: reseal_checkpoint_row
UPDATE checkpoints SET type = :type, checkpoint = :data WHERE rowid = :id

-- name: reseal_write_rows
SELECT rowid AS id, type, value AS data FROM writes WHERE rowid > :after ORDER BY rowid LIMIT :limit

-- name: reseal_write_row
UPDATE writes SET type = :type, value = :data WHERE rowid = :id
