-- Named queries shared by both dialects (:name parameters; epoch-second
-- timestamps passed in as :now). Dialect-specific versions of a query live in
-- queries.postgres.sql / queries.sqlite.sql under the same name.

-- name: ping
SELECT 1 AS ok

-- name: health_probe_write
INSERT INTO health_probe (id, probed_at) VALUES (1, :now)
ON CONFLICT (id) DO UPDATE SET probed_at = excluded.probed_at

-- name: migrations_applied
SELECT version FROM schema_migrations ORDER BY version

-- name: migration_record
INSERT INTO schema_migrations (version, name, applied_at) VALUES (:version, :name, :now)

-- ---------------------------------------------------------------- demo shop
-- name: shop_get_order
SELECT order_id, email, customer_name, item, amount_cents, status, placed_at, updated_at
FROM shop_orders WHERE order_id = :order_id

-- name: shop_orders_by_email
SELECT order_id, email, customer_name, item, amount_cents, status, placed_at, updated_at
FROM shop_orders WHERE lower(email) = lower(:email) ORDER BY order_id

-- name: shop_set_status
UPDATE shop_orders SET status = :status, updated_at = :now
WHERE order_id = :order_id AND status = :expected

-- name: shop_refund_by_key
SELECT refund_id, order_id, amount_cents, reason FROM shop_refunds WHERE idempotency_key = :key

-- name: shop_insert_refund
INSERT INTO shop_refunds (order_id, amount_cents, reason, idempotency_key, thread_id, created_at)
VALUES (:order_id, :amount_cents, :reason, :key, :thread_id, :now)
RETURNING refund_id

-- name: shop_cancellation_by_key
SELECT cancellation_id, order_id, reason FROM shop_cancellations WHERE idempotency_key = :key

-- name: shop_insert_cancellation
INSERT INTO shop_cancellations (order_id, reason, idempotency_key, thread_id, created_at)
VALUES (:order_id, :reason, :key, :thread_id, :now)
RETURNING cancellation_id

-- name: shop_ticket_by_key
SELECT ticket_id, subject, status FROM shop_tickets WHERE idempotency_key = :key

-- name: shop_insert_ticket
INSERT INTO shop_tickets (subject, body, idempotency_key, thread_id, created_at)
VALUES (:subject, :body, :key, :thread_id, :now)
RETURNING ticket_id

-- ---- inbox, leases, outbox
-- name: conversation_get
SELECT thread_id, team_id, channel_id, thread_ts, started_by, created_at, last_activity_at
FROM conversations WHERE thread_id = :thread_id

-- name: inbox_insert
INSERT INTO inbox (delivery_key, thread_id, kind, payload, status, created_at, updated_at)
VALUES (:delivery_key, :thread_id, :kind, :payload, 'pending', :now, :now)
ON CONFLICT (delivery_key) DO NOTHING
RETURNING item_id

-- name: inbox_take
UPDATE inbox SET status = 'running', fence = :fence, attempts = attempts + 1, updated_at = :now
WHERE thread_id = :thread_id AND status IN ('pending', 'running')
  AND EXISTS (SELECT 1 FROM thread_leases l
              WHERE l.thread_id = :thread_id AND l.fence = :fence AND l.expires_at >= :now)
RETURNING item_id, delivery_key, thread_id, kind, payload, attempts, created_at

-- name: inbox_finish
UPDATE inbox SET status = :status, error = :error, updated_at = :now
WHERE thread_id = :thread_id AND fence = :fence AND status = 'running' AND item_id <= :upto
  AND EXISTS (SELECT 1 FROM thread_leases l
              WHERE l.thread_id = :thread_id AND l.fence = :fence AND l.expires_at >= :now)

-- name: inbox_hold
UPDATE inbox SET status = 'held', updated_at = :now WHERE item_id = :item_id AND fence = :fence AND status = 'running'

-- name: inbox_unhold
-- A released message's turn starts now (its clock: bot/queue/delay.py); its wait for the
-- decision was announced when it was held.
UPDATE inbox SET status = 'pending', created_at = :now, updated_at = :now WHERE thread_id = :thread_id AND status = 'held'

-- name: inbox_release
UPDATE inbox SET status = 'pending', attempts = attempts - :refund, available_at = :available_at,
    error = :error, updated_at = :now
WHERE thread_id = :thread_id AND fence = :fence AND status = 'running'

-- name: inbox_retry
-- An operator's retry starts a new turn (a new clock for its delay notice and deadline).
UPDATE inbox SET status = 'pending', error = NULL, available_at = 0, created_at = :now, updated_at = :now
WHERE item_id = :item_id AND status = 'failed'
RETURNING thread_id

-- name: inbox_retry_thread
UPDATE inbox SET status = 'pending', error = NULL, available_at = 0, created_at = :now, updated_at = :now
WHERE thread_id = :thread_id AND status = 'failed'

-- name: inbox_get
SELECT item_id, delivery_key, thread_id, kind, payload, status, fence, attempts, error, created_at, updated_at
FROM inbox WHERE item_id = :item_id

-- name: inbox_depth
SELECT count(*) AS depth, min(created_at) AS oldest FROM inbox WHERE status IN ('pending', 'running')

-- name: lease_renew
UPDATE thread_leases SET expires_at = :expires
WHERE thread_id = :thread_id AND fence = :fence AND owner = :owner AND expires_at >= :now

-- name: lease_release
-- the row stays: fence keeps growing, so an old holder can never match a later lease
UPDATE thread_leases SET expires_at = 0 WHERE thread_id = :thread_id AND fence = :fence AND owner = :owner

-- name: outbox_get
SELECT outbox_id, outbox_key, thread_id, channel_id, thread_ts, kind, body, status, slack_ts, attempts
FROM outbox WHERE outbox_key = :outbox_key

-- name: outbox_insert
INSERT INTO outbox (outbox_key, thread_id, channel_id, thread_ts, kind, body, status, created_at)
SELECT :outbox_key, :thread_id, :channel_id, :thread_ts, :kind, :body, 'pending', :now
WHERE EXISTS (SELECT 1 FROM thread_leases l
              WHERE l.thread_id = :thread_id AND l.fence = :fence AND l.expires_at >= :now)
ON CONFLICT (outbox_key) DO NOTHING

-- name: outbox_begin
-- A post's bookkeeping before it is sent, in one statement: record the key (fenced by
-- the lease) unless it is recorded already, count an attempt when it is still to be
-- sent, and return the row. No row: the lease is lost. ``attempts`` includes this one.
INSERT INTO outbox (outbox_key, thread_id, channel_id, thread_ts, kind, body, status, attempts, created_at)
SELECT :outbox_key, :thread_id, :channel_id, :thread_ts, :kind, :body, 'pending', 1, :now
WHERE EXISTS (SELECT 1 FROM thread_leases l
              WHERE l.thread_id = :thread_id AND l.fence = :fence AND l.expires_at >= :now)
ON CONFLICT (outbox_key) DO UPDATE
    SET attempts = CASE WHEN outbox.status = 'pending' THEN outbox.attempts + 1 ELSE outbox.attempts END
RETURNING outbox_id, status, slack_ts, attempts

-- name: outbox_posted
UPDATE outbox SET status = 'posted', slack_ts = :slack_ts, posted_at = :now, error = NULL
WHERE outbox_key = :outbox_key

-- name: outbox_streaming
UPDATE outbox SET status = 'streaming', slack_ts = :slack_ts WHERE outbox_key = :outbox_key

-- name: outbox_failed
UPDATE outbox SET error = :error WHERE outbox_key = :outbox_key

-- ---- long conversations
-- Retention, thread expiry and forget. LangGraph's checkpoint tables differ by
-- dialect (PostgreSQL: checkpoints, checkpoint_blobs, checkpoint_writes;
-- SQLite: checkpoints, writes), so those queries carry a pg_ / sqlite_ prefix.
-- Only the root namespace ('') is pruned: the agent has no subgraphs.

-- name: retention_candidates
SELECT DISTINCT thread_id FROM (
    SELECT thread_id FROM checkpoints GROUP BY thread_id, checkpoint_ns HAVING count(*) > :keep
) AS crowded

-- name: retention_drop_namespace_checkpoints
DELETE FROM checkpoints WHERE thread_id = :thread_id AND checkpoint_ns = :checkpoint_ns

-- name: retention_keep
SELECT checkpoint_id FROM checkpoints
WHERE thread_id = :thread_id AND checkpoint_ns = :checkpoint_ns
ORDER BY checkpoint_id DESC LIMIT :keep

-- name: retention_pending_approvals
SELECT thread_id, interrupt_id FROM approvals WHERE status = 'pending'

-- name: retention_latest_checkpoints
SELECT thread_id, max(checkpoint_id) AS latest FROM checkpoints GROUP BY thread_id

-- name: retention_conversation_activity
SELECT thread_id, last_activity_at FROM conversations

-- name: retention_busy_threads
SELECT thread_id FROM inbox WHERE status IN ('pending', 'running')
UNION SELECT thread_id FROM approvals WHERE status = 'pending'

-- name: forget_inbox
DELETE FROM inbox WHERE thread_id = :thread_id

-- name: forget_outbox
DELETE FROM outbox WHERE thread_id = :thread_id

-- name: forget_conversation
DELETE FROM conversations WHERE thread_id = :thread_id

-- name: forget_approvals
DELETE FROM approvals WHERE thread_id = :thread_id

-- name: forget_redact_audit
UPDATE audit_log
SET args = CASE WHEN args IS NULL THEN NULL ELSE '[redacted]' END,
    detail = CASE WHEN detail IS NULL THEN NULL ELSE '[redacted]' END
WHERE thread_id = :thread_id
AND (coalesce(args, '[redacted]') <> '[redacted]' OR coalesce(detail, '[redacted]') <> '[redacted]')

-- name: forget_redact_refunds
UPDATE shop_refunds SET reason = '[redacted]' WHERE thread_id = :thread_id AND reason <> '[redacted]'

-- name: forget_redact_cancellations
UPDATE shop_cancellations SET reason = '[redacted]' WHERE thread_id = :thread_id AND reason <> '[redacted]'

-- name: forget_redact_tickets
UPDATE shop_tickets SET subject = '[redacted]', body = '[redacted]'
WHERE thread_id = :thread_id AND (subject <> '[redacted]' OR body <> '[redacted]')

-- name: forget_threads_started_by
SELECT thread_id FROM conversations WHERE started_by = :user_id

-- name: forget_threads_requested_by
SELECT DISTINCT thread_id FROM approvals WHERE requester = :user_id

-- name: forget_threads_with_checkpoints
SELECT DISTINCT thread_id FROM checkpoints

-- name: forget_inbox_naming
SELECT thread_id, payload FROM inbox WHERE payload LIKE '%' || :user_id || '%'

-- ---- operators
-- name: operator_lease_take
-- An operator (rewind) takes a thread's lease the way a worker's claim does:
-- only when nobody holds it, and the fence grows so an earlier holder whose
-- lease ran out cannot write after us.
INSERT INTO thread_leases (thread_id, owner, fence, expires_at)
VALUES (:thread_id, :owner, 1, :expires)
ON CONFLICT (thread_id) DO UPDATE
    SET owner = excluded.owner, fence = thread_leases.fence + 1, expires_at = excluded.expires_at
    WHERE thread_leases.expires_at < :now
RETURNING thread_id, fence

-- name: operator_lease_holder
SELECT owner, fence, expires_at FROM thread_leases WHERE thread_id = :thread_id

-- name: operator_thread_status
SELECT thread_id, inbox_at, running_items, queued_items, held_items, last_outcome, lease_expires_at,
       pending_approvals, last_activity_at, started_by
FROM operator_thread_status

-- name: operator_thread_owner
SELECT started_by FROM conversations WHERE thread_id = :thread_id

-- name: operator_approvals_pending
SELECT approval_id, interrupt_id, tool, args, requester, card_channel, card_ts
FROM approvals WHERE thread_id = :thread_id AND status = 'pending' ORDER BY approval_id

-- name: operator_approval_void
UPDATE approvals SET status = 'void', decided_by = :by, decided_at = :now, note = :note
WHERE approval_id = :approval_id AND status = 'pending'

-- name: operator_audit
INSERT INTO audit_log (at, actor, action, thread_id, approval_id, tool, args, outcome, detail)
VALUES (:now, :actor, :action, :thread_id, :approval_id, :tool, :args, :outcome, :detail)

-- name: operator_unhold
-- Messages parked behind a pause that a rewind set aside: answer them on the new branch.
UPDATE inbox SET status = 'pending', created_at = :now, updated_at = :now WHERE thread_id = :thread_id AND status = 'held'

-- name: stats_turns_summary
SELECT count(*) AS turns, count(DISTINCT thread_id) AS threads,
       coalesce(sum(CASE WHEN status = 'done' THEN 1 ELSE 0 END), 0) AS done,
       coalesce(sum(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0) AS failed,
       coalesce(sum(CASE WHEN attempts > 1 THEN 1 ELSE 0 END), 0) AS retried,
       avg(seconds) AS avg_seconds, max(seconds) AS max_seconds
FROM stats_turns WHERE created_at >= :since

-- name: stats_turns_per_thread
SELECT thread_id, count(*) AS turns FROM stats_turns WHERE created_at >= :since GROUP BY thread_id

-- name: stats_approvals
SELECT tool, status, count(*) AS approvals, avg(wait_seconds) AS avg_wait, max(wait_seconds) AS max_wait
FROM stats_approval_waits WHERE created_at >= :since GROUP BY tool, status ORDER BY tool, status

-- ---- approvals
-- name: approval_create
INSERT INTO approvals (interrupt_id, thread_id, tool, args, requester, reason, summary, thread_link,
                       status, created_at, expires_at, customer)
VALUES (:interrupt_id, :thread_id, :tool, :args, :requester, :reason, :summary, :thread_link,
        'pending', :now, :expires_at, :customer)
ON CONFLICT (interrupt_id) DO NOTHING
RETURNING approval_id

-- name: approval_get
SELECT approval_id, interrupt_id, thread_id, tool, args, requester, reason, summary, thread_link, status,
       decided_by, decided_at, note, edited_args, card_channel, card_ts, created_at, expires_at, customer,
       card_error, card_attempts, action_error
FROM approvals WHERE interrupt_id = :interrupt_id

-- name: approval_set_card
UPDATE approvals SET card_channel = :card_channel, card_ts = :card_ts, card_error = NULL, card_retry_at = NULL
WHERE interrupt_id = :interrupt_id

-- name: approval_card_failed
-- Slack refused the card: why, one more attempt, and when the reconciler may try again.
UPDATE approvals SET card_error = :error, card_attempts = card_attempts + 1, card_retry_at = :retry_at
WHERE interrupt_id = :interrupt_id

-- name: approval_action_failed
UPDATE approvals SET action_error = :error WHERE interrupt_id = :interrupt_id AND status = 'approved'

-- name: approvals_to_reconcile
-- Threads a pause may be stuck in: a pending approval without a card (never posted, or
-- refused by Slack and due for a retry), or messages held behind no pending approval.
-- A thread with an open inbox item is left out: that run reconciles it anyway.
SELECT DISTINCT c.thread_id FROM (
    SELECT thread_id FROM approvals
    WHERE status = 'pending' AND card_ts IS NULL AND created_at <= :settled
      AND (card_retry_at IS NULL OR card_retry_at <= :now)
    UNION
    SELECT h.thread_id FROM inbox h
    WHERE h.status = 'held' AND h.updated_at <= :settled
      AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.thread_id = h.thread_id AND a.status = 'pending')
) c
WHERE NOT EXISTS (SELECT 1 FROM inbox o WHERE o.thread_id = c.thread_id AND o.status IN ('pending', 'running'))
LIMIT :limit

-- name: approval_decide
-- The one transition of a click: of two clicks (or two approvers) exactly one matches.
UPDATE approvals SET status = :status, decided_by = :decided_by, decided_at = :now, note = :note,
                     edited_args = :edited_args
WHERE interrupt_id = :interrupt_id AND status = 'pending' AND (expires_at IS NULL OR expires_at > :now)
RETURNING approval_id, interrupt_id, thread_id, tool, args, requester, reason, summary, thread_link, status,
          decided_by, decided_at, note, edited_args, card_channel, card_ts, created_at, expires_at, customer

-- name: approval_expire
UPDATE approvals SET status = 'expired', decided_at = :now, note = :note
WHERE interrupt_id = :interrupt_id AND status = 'pending' AND expires_at IS NOT NULL AND expires_at <= :now
RETURNING approval_id, interrupt_id, thread_id, tool, args, requester, reason, summary, thread_link, status,
          decided_by, decided_at, note, edited_args, card_channel, card_ts, created_at, expires_at, customer

-- name: approvals_due
SELECT approval_id, interrupt_id, thread_id, tool, args, requester, reason, summary, thread_link, status,
       decided_by, decided_at, note, edited_args, card_channel, card_ts, created_at, expires_at, customer
FROM approvals
WHERE status = 'pending' AND expires_at IS NOT NULL AND expires_at <= :now
ORDER BY approval_id LIMIT :limit

-- name: approvals_pending
SELECT approval_id, interrupt_id, thread_id, tool, args, requester, reason, summary, thread_link, status,
       decided_by, decided_at, note, edited_args, card_channel, card_ts, created_at, expires_at, customer,
       card_error, card_attempts, action_error
FROM approvals WHERE status = 'pending' ORDER BY approval_id

-- name: approvals_pending_count
SELECT count(*) AS n FROM approvals WHERE status = 'pending'

-- name: approvals_recent
SELECT approval_id, interrupt_id, thread_id, tool, args, requester, reason, summary, thread_link, status,
       decided_by, decided_at, note, edited_args, card_channel, card_ts, created_at, expires_at, customer,
       card_error, card_attempts, action_error
FROM approvals ORDER BY approval_id DESC LIMIT :limit

-- name: approvals_last_requester
SELECT requester FROM approvals
WHERE thread_id = :thread_id AND requester IS NOT NULL AND requester NOT IN ('unknown', 'anonymous')
ORDER BY approval_id DESC LIMIT 1

-- name: audit_insert
INSERT INTO audit_log (at, actor, action, thread_id, approval_id, tool, args, outcome, detail)
VALUES (:now, :actor, :action, :thread_id, :approval_id, :tool, :args, :outcome, :detail)

-- name: audit_for_approval
SELECT audit_id, at, actor, action, thread_id, approval_id, tool, args, outcome, detail
FROM audit_log WHERE approval_id = :approval_id ORDER BY audit_id

-- ---------------------------------------------------------------- playground
-- name: playground_message_save
INSERT INTO playground_messages (channel_id, ts, body, updated_at) VALUES (:channel_id, :ts, :body, :now)
ON CONFLICT (channel_id, ts) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at

-- name: playground_message_delete
DELETE FROM playground_messages WHERE channel_id = :channel_id AND ts = :ts

-- name: playground_messages_all
SELECT channel_id, ts, body FROM playground_messages ORDER BY channel_id, ts

-- name: playground_home_save
INSERT INTO playground_homes (user_id, body, updated_at) VALUES (:user_id, :body, :now)
ON CONFLICT (user_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at

-- name: playground_homes_all
SELECT user_id, body FROM playground_homes ORDER BY user_id

-- ---------------------------------------------------------------- feedback
-- name: feedback_vote
INSERT INTO feedback (thread_id, checkpoint_id, user_id, vote, created_at, updated_at)
VALUES (:thread_id, :checkpoint_id, :user_id, :vote, :now, :now)
ON CONFLICT (thread_id, checkpoint_id, user_id) DO UPDATE SET vote = excluded.vote, updated_at = excluded.updated_at

-- name: feedback_get
SELECT thread_id, checkpoint_id, user_id, vote, created_at, updated_at
FROM feedback WHERE thread_id = :thread_id AND checkpoint_id = :checkpoint_id AND user_id = :user_id

-- name: feedback_counts
SELECT sum(CASE WHEN vote = 'positive' THEN 1 ELSE 0 END) AS positive,
       sum(CASE WHEN vote = 'negative' THEN 1 ELSE 0 END) AS negative
FROM feedback WHERE updated_at >= :since

-- name: feedback_threads_with
SELECT thread_id, max(updated_at) AS last_vote_at FROM feedback WHERE vote = :vote
GROUP BY thread_id ORDER BY max(updated_at) DESC

-- name: forget_feedback
DELETE FROM feedback WHERE thread_id = :thread_id

-- name: forget_feedback_of_user
DELETE FROM feedback WHERE user_id = :user_id

-- ---- encryption at rest
-- name: encryption_check_get
SELECT sealed FROM encryption_check WHERE id = 1

-- name: encryption_check_set
INSERT INTO encryption_check (id, sealed) VALUES (1, :sealed) ON CONFLICT (id) DO NOTHING

-- ---- supportbot encrypt: every sealed column, a batch at a time by primary key
-- name: reseal_inbox_rows
SELECT item_id AS id, payload FROM inbox WHERE item_id > :after ORDER BY item_id LIMIT :limit

-- name: reseal_inbox_row
UPDATE inbox SET payload = :payload WHERE item_id = :id

-- name: reseal_outbox_rows
SELECT outbox_id AS id, body FROM outbox WHERE outbox_id > :after ORDER BY outbox_id LIMIT :limit

-- name: reseal_outbox_row
UPDATE outbox SET body = :body WHERE outbox_id = :id

-- name: reseal_approvals_rows
SELECT approval_id AS id, args, reason, summary, note, edited_args, customer FROM approvals WHERE approval_id > :after ORDER BY approval_id LIMIT :limit

-- name: reseal_approvals_row
UPDATE approvals SET args = :args, reason = :reason, summary = :summary, note = :note, edited_args = :edited_args, customer = :customer WHERE approval_id = :id

-- name: reseal_audit_log_rows
SELECT audit_id AS id, args, detail FROM audit_log WHERE audit_id > :after ORDER BY audit_id LIMIT :limit

-- name: reseal_audit_log_row
UPDATE audit_log SET args = :args, detail = :detail WHERE audit_id = :id

-- name: reseal_shop_refunds_rows
SELECT refund_id AS id, reason FROM shop_refunds WHERE refund_id > :after ORDER BY refund_id LIMIT :limit

-- name: reseal_shop_refunds_row
UPDATE shop_refunds SET reason = :reason WHERE refund_id = :id

-- name: reseal_shop_cancellations_rows
SELECT cancellation_id AS id, reason FROM shop_cancellations WHERE cancellation_id > :after ORDER BY cancellation_id LIMIT :limit

-- name: reseal_shop_cancellations_row
UPDATE shop_cancellations SET reason = :reason WHERE cancellation_id = :id

-- name: reseal_shop_tickets_rows
SELECT ticket_id AS id, subject, body FROM shop_tickets WHERE ticket_id > :after ORDER BY ticket_id LIMIT :limit

-- name: reseal_shop_tickets_row
UPDATE shop_tickets SET subject = :subject, body = :body WHERE ticket_id = :id
