-- Views for operators (issue 7): `supportbot threads` and `supportbot stats`.
-- Only over our own tables: LangGraph's checkpoint tables are created by the
-- saver's setup() after our migrations, so what needs them is queried in code
-- (queries.postgres.sql, "operators" section).

-- One row per thread we know of: what the inbox, its lease and its approvals say now.
CREATE OR REPLACE VIEW operator_thread_status AS
SELECT t.thread_id,
       (SELECT max(i.updated_at) FROM inbox i WHERE i.thread_id = t.thread_id) AS inbox_at,
       (SELECT count(*) FROM inbox i WHERE i.thread_id = t.thread_id AND i.status = 'running') AS running_items,
       (SELECT count(*) FROM inbox i WHERE i.thread_id = t.thread_id AND i.status = 'pending') AS queued_items,
       (SELECT count(*) FROM inbox i WHERE i.thread_id = t.thread_id AND i.status = 'held') AS held_items,
       (SELECT i.status FROM inbox i WHERE i.thread_id = t.thread_id AND i.status IN ('done', 'failed')
        ORDER BY i.item_id DESC LIMIT 1) AS last_outcome,
       (SELECT l.expires_at FROM thread_leases l WHERE l.thread_id = t.thread_id) AS lease_expires_at,
       (SELECT count(*) FROM approvals a WHERE a.thread_id = t.thread_id AND a.status = 'pending') AS pending_approvals,
       c.last_activity_at,
       c.started_by
FROM (SELECT thread_id FROM inbox
      UNION SELECT thread_id FROM approvals
      UNION SELECT thread_id FROM conversations) t
LEFT JOIN conversations c ON c.thread_id = t.thread_id;

-- One row per user message the bot was given (a turn), with how long it took
-- from arrival to done or failed.
CREATE OR REPLACE VIEW stats_turns AS
SELECT item_id, thread_id, status, attempts, created_at, updated_at,
       CASE WHEN status IN ('done', 'failed') THEN updated_at - created_at END AS seconds
FROM inbox
WHERE kind = 'message';

-- One row per approval request, with how long it waited for a human.
CREATE OR REPLACE VIEW stats_approval_waits AS
SELECT approval_id, thread_id, tool, status, requester, decided_by, created_at, decided_at,
       CASE WHEN decided_at IS NOT NULL THEN decided_at - created_at END AS wait_seconds
FROM approvals;
