-- name: refund_trap
-- Makes the shop refuse any refund of order 1002, as a tool failing after approval would.
CREATE TRIGGER refund_trap BEFORE INSERT ON shop_refunds WHEN NEW.order_id = 1002
BEGIN SELECT RAISE(ABORT, 'refund trap'); END
