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
