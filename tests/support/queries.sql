-- Queries only tests run: they look at rows the code under test wrote.

-- name: shop_refund_for_order
SELECT refund_id, order_id, amount_cents, reason FROM shop_refunds WHERE order_id = :order_id

-- name: shop_count_refunds
SELECT count(*) AS n FROM shop_refunds WHERE order_id = :order_id

-- name: lease_check
SELECT 1 AS ok FROM thread_leases WHERE thread_id = :thread_id AND fence = :fence AND expires_at >= :now

-- name: outbox_for_thread
SELECT outbox_key, kind, status, slack_ts, attempts, created_at, posted_at
FROM outbox WHERE thread_id = :thread_id ORDER BY outbox_id

-- name: health_probe_read
SELECT probed_at FROM health_probe WHERE id = 1

-- name: conversation_join
INSERT INTO conversations (thread_id, team_id, channel_id, thread_ts, started_by, created_at, last_activity_at)
VALUES (:thread_id, :team_id, :channel_id, :thread_ts, :user_id, :now, :now)
ON CONFLICT (thread_id) DO UPDATE SET last_activity_at = excluded.last_activity_at

-- name: inbox_payload_stored
SELECT payload AS stored FROM inbox WHERE item_id = :item_id

-- name: inbox_all
SELECT item_id, delivery_key, thread_id, status FROM inbox ORDER BY item_id
