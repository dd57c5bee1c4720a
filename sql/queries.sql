-- Named queries shared by both dialects (:name parameters; epoch-second
-- timestamps passed in as :now). Dialect-specific versions of a query live in
-- queries.postgres.sql / queries.sqlite.sql under the same name.

-- name: ping
SELECT 1 AS ok

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

-- name: shop_refund_for_order
SELECT refund_id, order_id, amount_cents, reason FROM shop_refunds WHERE order_id = :order_id

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

-- name: shop_count_refunds
SELECT count(*) AS n FROM shop_refunds WHERE order_id = :order_id

-- ---- inbox, leases, outbox (issue 4)
-- name: conversation_join
INSERT INTO conversations (thread_id, team_id, channel_id, thread_ts, started_by, created_at, last_activity_at)
VALUES (:thread_id, :team_id, :channel_id, :thread_ts, :user_id, :now, :now)
ON CONFLICT (thread_id) DO UPDATE SET last_activity_at = excluded.last_activity_at

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
UPDATE inbox SET status = 'pending', updated_at = :now WHERE thread_id = :thread_id AND status = 'held'

-- name: inbox_release
UPDATE inbox SET status = 'pending', attempts = attempts - 1, updated_at = :now
WHERE thread_id = :thread_id AND fence = :fence AND status = 'running'

-- name: inbox_retry
UPDATE inbox SET status = 'pending', error = NULL, updated_at = :now
WHERE item_id = :item_id AND status = 'failed'
RETURNING thread_id

-- name: inbox_retry_thread
UPDATE inbox SET status = 'pending', error = NULL, updated_at = :now
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

-- name: lease_check
SELECT 1 AS ok FROM thread_leases WHERE thread_id = :thread_id AND fence = :fence AND expires_at >= :now

-- name: outbox_get
SELECT outbox_id, outbox_key, thread_id, channel_id, thread_ts, kind, body, status, slack_ts, attempts
FROM outbox WHERE outbox_key = :outbox_key

-- name: outbox_insert
INSERT INTO outbox (outbox_key, thread_id, channel_id, thread_ts, kind, body, status, created_at)
SELECT :outbox_key, :thread_id, :channel_id, :thread_ts, :kind, :body, 'pending', :now
WHERE EXISTS (SELECT 1 FROM thread_leases l
              WHERE l.thread_id = :thread_id AND l.fence = :fence AND l.expires_at >= :now)
ON CONFLICT (outbox_key) DO NOTHING

-- name: outbox_attempt
UPDATE outbox SET attempts = attempts + 1 WHERE outbox_key = :outbox_key

-- name: outbox_posted
UPDATE outbox SET status = 'posted', slack_ts = :slack_ts, posted_at = :now, error = NULL
WHERE outbox_key = :outbox_key

-- name: outbox_failed
UPDATE outbox SET error = :error WHERE outbox_key = :outbox_key

-- name: outbox_pending
SELECT outbox_id, outbox_key, thread_id, channel_id, thread_ts, kind, body, status, slack_ts, attempts
FROM outbox WHERE status = 'pending' AND created_at < :before ORDER BY outbox_id LIMIT :limit
