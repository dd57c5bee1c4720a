-- PostgreSQL versions of queries whose SQL differs from queries.sql.

-- name: claim_thread
-- One statement: pick the oldest open item of a thread nobody holds (skipping
-- rows another claimer is looking at), then take or renew that thread's lease.
-- The ON CONFLICT ... WHERE re-checks expiry on the latest row version, so of
-- two claimers racing for one thread exactly one gets it.
WITH candidate AS (
    SELECT i.thread_id
    FROM inbox i
    LEFT JOIN thread_leases l ON l.thread_id = i.thread_id
    WHERE i.status IN ('pending', 'running') AND i.available_at <= :now
      AND (l.thread_id IS NULL OR l.expires_at < :now)
    ORDER BY i.item_id
    LIMIT 1
    FOR UPDATE OF i SKIP LOCKED
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

-- name: inbox_accept_if_joined
WITH stored AS (
    INSERT INTO inbox (delivery_key, thread_id, kind, payload, status, created_at, updated_at)
    SELECT :delivery_key, thread_id, :kind, :payload, 'pending', :now, :now
    FROM conversations WHERE thread_id = :thread_id
    ON CONFLICT (delivery_key) DO NOTHING
    RETURNING item_id
)
SELECT item_id, pg_notify('supportbot_inbox', '')::text AS woke FROM stored

-- ---- operators (issue 7)
-- LangGraph's AsyncPostgresSaver tables (created by its setup(), after our
-- migrations): checkpoints (metadata JSONB), checkpoint_blobs, checkpoint_writes.

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
