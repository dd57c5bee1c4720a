-- PostgreSQL versions of queries whose SQL differs from queries.sql.

-- name: claim_threads
-- One statement: pick the threads of the oldest open items nobody holds (skipping
-- rows another claimer is looking at), up to :limit of them, then take or renew
-- their leases: a burst of new threads is claimed in one round trip, not one each.
-- The ON CONFLICT ... WHERE re-checks expiry on the latest row version, so of
-- two claimers racing for one thread exactly one gets it. (FOR UPDATE allows no
-- GROUP BY, so the open items are locked first and grouped by thread after.)
WITH open_items AS (
    SELECT i.thread_id, i.item_id
    FROM inbox i
    LEFT JOIN thread_leases l ON l.thread_id = i.thread_id
    WHERE i.status IN ('pending', 'running') AND i.available_at <= :now
      AND (l.thread_id IS NULL OR l.expires_at < :now)
    ORDER BY i.item_id
    LIMIT :limit * 4
    FOR UPDATE OF i SKIP LOCKED
), candidate AS (
    SELECT thread_id FROM open_items GROUP BY thread_id ORDER BY min(item_id) LIMIT :limit
)
INSERT INTO thread_leases (thread_id, owner, fence, expires_at)
SELECT thread_id, :owner, 1, :expires FROM candidate
ON CONFLICT (thread_id) DO UPDATE
    SET owner = excluded.owner, fence = thread_leases.fence + 1, expires_at = excluded.expires_at
    WHERE thread_leases.expires_at < :now
RETURNING thread_id, fence

-- name: inbox_insert
-- As queries.sql, and wakes workers listening in other processes (bot/queue/wakeups.py).
WITH stored AS (
    INSERT INTO inbox (delivery_key, thread_id, kind, payload, status, created_at, updated_at)
    VALUES (:delivery_key, :thread_id, :kind, :payload, 'pending', :now, :now)
    ON CONFLICT (delivery_key) DO NOTHING
    RETURNING item_id
)
SELECT item_id, pg_notify('supportbot_inbox', '')::text AS woke FROM stored

-- name: inbox_accept_batch
-- The deliveries that arrived together (bot/queue/ack_batch.py), in one statement: the
-- threads they join upserted, each stored unless it is a duplicate or a reply in a thread
-- never joined (joined before, or by a mention in this same batch), in arrival order.
-- One row out per row in, by :rows' "ord". No two rows share a delivery_key.
WITH input AS (
    SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS x(
        ord int, mode text, delivery_key text, thread_id text, kind text, payload text, now float8,
        team_id text, channel_id text, thread_ts text, user_id text)
), joined AS (
    INSERT INTO conversations (thread_id, team_id, channel_id, thread_ts, started_by, created_at, last_activity_at)
    SELECT DISTINCT ON (thread_id) thread_id, team_id, channel_id, thread_ts, user_id, now,
           max(now) OVER (PARTITION BY thread_id)
    FROM input WHERE mode = 'join' ORDER BY thread_id, ord
    ON CONFLICT (thread_id) DO UPDATE SET last_activity_at = excluded.last_activity_at
    RETURNING thread_id
), eligible AS (
    SELECT i.ord, i.delivery_key, i.thread_id, i.kind, i.payload, i.now,
           i.mode <> 'if_joined' OR i.thread_id IN (SELECT thread_id FROM joined)
           OR EXISTS (SELECT 1 FROM conversations c WHERE c.thread_id = i.thread_id) AS ours
    FROM input i
), stored AS (
    INSERT INTO inbox (delivery_key, thread_id, kind, payload, status, created_at, updated_at)
    SELECT delivery_key, thread_id, kind, payload, 'pending', now, now FROM eligible WHERE ours ORDER BY ord
    ON CONFLICT (delivery_key) DO NOTHING
    RETURNING item_id, delivery_key
)
SELECT e.ord, e.ours, s.item_id,
       CASE WHEN s.item_id IS NOT NULL THEN pg_notify('supportbot_inbox', '')::text END AS woke
FROM eligible e LEFT JOIN stored s ON s.delivery_key = e.delivery_key

-- ---- operators
-- LangGraph's AsyncPostgresSaver tables (created by its setup(), after our
-- migrations): checkpoints (metadata JSONB), checkpoint_blobs, checkpoint_writes.

-- name: inbox_finish_take
-- The end of a run in one statement, all under the fence: mark its items
-- done, take the thread's next ones, and give the lease back when there are none.
-- (The CTEs share one snapshot, so "next" leaves out the rows "finished" marks.)
WITH held AS (
    SELECT 1 FROM thread_leases l
    WHERE l.thread_id = :thread_id AND l.fence = :fence AND l.owner = :owner AND l.expires_at >= :now
), finished AS (
    UPDATE inbox SET status = :status, error = :error, updated_at = :now
    WHERE thread_id = :thread_id AND fence = :fence AND status = 'running' AND item_id <= :upto
      AND EXISTS (SELECT 1 FROM held)
    RETURNING item_id
), taken AS (
    UPDATE inbox SET status = 'running', fence = :fence, attempts = attempts + 1, updated_at = :now
    WHERE thread_id = :thread_id AND (status = 'pending' OR (status = 'running' AND item_id > :upto))
      AND EXISTS (SELECT 1 FROM held)
    RETURNING item_id, delivery_key, thread_id, kind, payload, attempts, created_at
), released AS (
    UPDATE thread_leases SET expires_at = 0
    WHERE thread_id = :thread_id AND fence = :fence AND owner = :owner
      AND EXISTS (SELECT 1 FROM held) AND NOT EXISTS (SELECT 1 FROM taken)
    RETURNING thread_id
)
SELECT * FROM taken

-- name: operator_checkpoint_threads
SELECT c.thread_id, count(*) AS checkpoints, max(c.checkpoint_id) AS last_checkpoint_id,
       sum(octet_length(c.checkpoint::text) + octet_length(c.metadata::text))
       + coalesce((SELECT sum(octet_length(b.blob)) FROM checkpoint_blobs b WHERE b.thread_id = c.thread_id), 0)
       + coalesce((SELECT sum(octet_length(w.blob)) FROM checkpoint_writes w WHERE w.thread_id = c.thread_id), 0)
       AS bytes
FROM checkpoints c GROUP BY c.thread_id

-- name: operator_threads_of_user
SELECT DISTINCT thread_id FROM checkpoints WHERE metadata ->> 'slack_user' = :user

-- name: stats_checkpoint_sources
SELECT thread_id,
       sum(CASE WHEN metadata ->> 'source' = 'input' THEN 1 ELSE 0 END) AS inputs,
       sum(CASE WHEN metadata ->> 'source' = 'loop' THEN 1 ELSE 0 END) AS loops
FROM checkpoints WHERE checkpoint_ns = '' AND checkpoint_id >= :since_id
GROUP BY thread_id

-- name: stats_message_writes
SELECT thread_id, type, blob FROM checkpoint_writes
WHERE channel = 'messages' AND checkpoint_ns = '' AND checkpoint_id >= :since_id

-- ---- long conversations: retention and forget

-- name: retention_lock
SELECT pg_try_advisory_xact_lock(726506, hashtext(:thread_id)) AS ok

-- name: retention_interrupt_writes
SELECT checkpoint_id, type, blob FROM checkpoint_writes
WHERE thread_id = :thread_id AND channel = '__interrupt__'

-- name: retention_uses_delta_channel
-- Upstream's sign of a DeltaChannel (langgraph-checkpoint-postgres PRUNE_DELTA_THREADS_SQL):
-- update counters in a checkpoint's metadata, or LangGraph.js's marker.
SELECT EXISTS (
    SELECT 1 FROM checkpoints WHERE thread_id = :thread_id
    AND (metadata -> 'counters_since_delta_snapshot' IS NOT NULL OR metadata -> 'delta_writes_versioned' IS NOT NULL)
) AS delta

-- name: retention_namespaces
-- Each namespace with the root checkpoint its latest checkpoint ran under (none for the root).
SELECT DISTINCT ON (checkpoint_ns) checkpoint_ns, metadata -> 'parents' ->> '' AS root
FROM checkpoints WHERE thread_id = :thread_id ORDER BY checkpoint_ns, checkpoint_id DESC

-- name: retention_drop_namespace_writes
DELETE FROM checkpoint_writes WHERE thread_id = :thread_id AND checkpoint_ns = :checkpoint_ns

-- name: retention_drop_namespace_blobs
DELETE FROM checkpoint_blobs WHERE thread_id = :thread_id AND checkpoint_ns = :checkpoint_ns

-- name: retention_delete_writes
DELETE FROM checkpoint_writes
WHERE thread_id = :thread_id AND checkpoint_ns = :checkpoint_ns AND checkpoint_id < :cutoff
AND checkpoint_id <> ALL(CAST(:pinned AS text[]))

-- name: retention_delete_checkpoints
DELETE FROM checkpoints
WHERE thread_id = :thread_id AND checkpoint_ns = :checkpoint_ns AND checkpoint_id < :cutoff
AND checkpoint_id <> ALL(CAST(:pinned AS text[]))
RETURNING checkpoint -> 'channel_versions' AS versions

-- name: retention_referenced_versions
SELECT checkpoint -> 'channel_versions' AS versions FROM checkpoints
WHERE thread_id = :thread_id AND checkpoint_ns = :checkpoint_ns

-- name: retention_delete_blobs
DELETE FROM checkpoint_blobs
WHERE thread_id = :thread_id AND checkpoint_ns = :checkpoint_ns AND channel = :channel
AND version = ANY(CAST(:versions AS text[]))

-- name: retention_orphan_parents
UPDATE checkpoints SET parent_checkpoint_id = NULL
WHERE thread_id = :thread_id AND checkpoint_ns = :checkpoint_ns AND parent_checkpoint_id < :cutoff
AND parent_checkpoint_id <> ALL(CAST(:pinned AS text[]))

-- name: retention_vacuum
VACUUM checkpoints, checkpoint_blobs, checkpoint_writes

-- name: forget_checkpoint_writes
DELETE FROM checkpoint_writes WHERE thread_id = :thread_id

-- name: forget_checkpoint_blobs
DELETE FROM checkpoint_blobs WHERE thread_id = :thread_id

-- name: forget_checkpoints
DELETE FROM checkpoints WHERE thread_id = :thread_id

-- name: forget_threads_of_slack_user
SELECT DISTINCT thread_id FROM checkpoints WHERE metadata ->> 'slack_user' = :user_id

-- name: forget_threads_mentioning
SELECT DISTINCT thread_id FROM checkpoint_blobs
WHERE channel = 'messages' AND position(convert_to(:user_id, 'UTF8') IN blob) > 0

-- name: tables_with_thread_id
SELECT DISTINCT c.table_name FROM information_schema.columns AS c
JOIN information_schema.tables AS t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
WHERE c.table_schema = current_schema() AND c.column_name = 'thread_id' AND t.table_type = 'BASE TABLE'

-- ---- supportbot encrypt: LangGraph's PostgreSQL checkpoint tables, a thread at a time
-- name: reseal_threads
SELECT DISTINCT thread_id FROM checkpoints ORDER BY thread_id

-- name: reseal_thread_blob_rows
SELECT checkpoint_ns, channel, version, type, blob AS data FROM checkpoint_blobs
WHERE thread_id = :thread_id AND blob IS NOT NULL

-- name: reseal_thread_blob_row
UPDATE checkpoint_blobs SET type = :type, blob = :data
WHERE thread_id = :thread_id AND checkpoint_ns = :checkpoint_ns AND channel = :channel AND version = :version

-- name: reseal_thread_blob_insert
INSERT INTO checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob)
VALUES (:thread_id, :checkpoint_ns, :channel, :version, :type, :data)
ON CONFLICT (thread_id, checkpoint_ns, channel, version) DO NOTHING

-- name: reseal_thread_blob_exists
SELECT 1 AS found FROM checkpoint_blobs
WHERE thread_id = :thread_id AND checkpoint_ns = :checkpoint_ns AND channel = :channel AND version = :version

-- name: reseal_thread_write_rows
SELECT checkpoint_ns, checkpoint_id, task_id, idx, type, blob AS data FROM checkpoint_writes
WHERE thread_id = :thread_id AND blob IS NOT NULL

-- name: reseal_thread_write_row
UPDATE checkpoint_writes SET type = :type, blob = :data
WHERE thread_id = :thread_id AND checkpoint_ns = :checkpoint_ns AND checkpoint_id = :checkpoint_id
  AND task_id = :task_id AND idx = :idx

-- name: reseal_thread_checkpoint_rows
SELECT checkpoint_ns, checkpoint_id, checkpoint FROM checkpoints WHERE thread_id = :thread_id

-- name: reseal_thread_checkpoint_row
UPDATE checkpoints SET checkpoint = :checkpoint
WHERE thread_id = :thread_id AND checkpoint_ns = :checkpoint_ns AND checkpoint_id = :checkpoint_id
