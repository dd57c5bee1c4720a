-- SQLite versions of queries whose SQL differs from queries.sql.

-- name: claim_thread
-- Runs inside BEGIN IMMEDIATE: SQLite's single write lock makes it atomic.
-- ("WHERE true" lets SQLite parse INSERT ... SELECT ... ON CONFLICT.)
WITH candidate AS (
    SELECT i.thread_id
    FROM inbox i
    LEFT JOIN thread_leases l ON l.thread_id = i.thread_id
    WHERE i.status IN ('pending', 'running')
      AND (l.thread_id IS NULL OR l.expires_at < :now)
    ORDER BY i.item_id
    LIMIT 1
)
INSERT INTO thread_leases (thread_id, owner, fence, expires_at)
SELECT thread_id, :owner, 1, :expires FROM candidate WHERE true
ON CONFLICT (thread_id) DO UPDATE
    SET owner = excluded.owner, fence = thread_leases.fence + 1, expires_at = excluded.expires_at
    WHERE thread_leases.expires_at < :now
RETURNING thread_id, fence
