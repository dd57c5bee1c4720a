-- name: refund_trap
-- Makes the shop refuse any refund of order 1002, as a tool failing after approval would.
ALTER TABLE shop_refunds ADD CONSTRAINT refund_trap CHECK (order_id <> 1002)
