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
    WHERE i.status IN ('pending', 'running')
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
