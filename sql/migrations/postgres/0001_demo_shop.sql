-- The demo shop the default tools work on. Timestamps are epoch seconds, the
-- same in both dialects, so that queries can be shared.
CREATE TABLE IF NOT EXISTS shop_orders (
    order_id      INTEGER PRIMARY KEY,
    email         TEXT NOT NULL,
    customer_name TEXT NOT NULL,
    item          TEXT NOT NULL,
    amount_cents  INTEGER NOT NULL,
    status        TEXT NOT NULL,
    placed_at     DOUBLE PRECISION NOT NULL,
    updated_at    DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS shop_orders_email ON shop_orders (email);

-- idempotency_key = thread + tool call id: a retried or replayed tool call
-- finds its earlier effect instead of repeating it.
CREATE TABLE IF NOT EXISTS shop_refunds (
    refund_id       BIGSERIAL PRIMARY KEY,
    order_id        INTEGER NOT NULL REFERENCES shop_orders (order_id),
    amount_cents    INTEGER NOT NULL,
    reason          TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    thread_id       TEXT,
    created_at      DOUBLE PRECISION NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS shop_refunds_one_per_order ON shop_refunds (order_id);

CREATE TABLE IF NOT EXISTS shop_cancellations (
    cancellation_id BIGSERIAL PRIMARY KEY,
    order_id        INTEGER NOT NULL UNIQUE REFERENCES shop_orders (order_id),
    reason          TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    thread_id       TEXT,
    created_at      DOUBLE PRECISION NOT NULL
);

CREATE TABLE IF NOT EXISTS shop_tickets (
    ticket_id       BIGSERIAL PRIMARY KEY,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'open',
    idempotency_key TEXT NOT NULL UNIQUE,
    thread_id       TEXT,
    created_at      DOUBLE PRECISION NOT NULL
);

INSERT INTO shop_orders (order_id, email, customer_name, item, amount_cents, status, placed_at, updated_at) VALUES
    (1001, 'ada@example.com',    'Ada Lovelace',   'Mechanical keyboard',  12900, 'delivered',  1760000000, 1760000000),
    (1002, 'ada@example.com',    'Ada Lovelace',   'USB-C hub',             4900, 'shipped',    1761000000, 1761000000),
    (1003, 'alan@example.com',   'Alan Turing',    'Noise-cancelling headphones', 24900, 'processing', 1762000000, 1762000000),
    (1004, 'grace@example.com',  'Grace Hopper',   '27-inch monitor',      32900, 'delivered',  1759000000, 1759000000),
    (1005, 'grace@example.com',  'Grace Hopper',   'Laptop stand',          3900, 'processing', 1762500000, 1762500000),
    (1006, 'linus@example.com',  'Linus Torvalds', 'Ergonomic mouse',       5900, 'shipped',    1762200000, 1762200000),
    (1007, 'barbara@example.com','Barbara Liskov', 'Webcam',                7900, 'delivered',  1758000000, 1758000000),
    (1008, 'barbara@example.com','Barbara Liskov', 'Desk lamp',             2900, 'cancelled',  1757000000, 1757500000),
    (1009, 'ken@example.com',    'Ken Thompson',   'Standing desk',        49900, 'processing', 1762600000, 1762600000),
    (1010, 'margaret@example.com','Margaret Hamilton','Microphone',         9900, 'shipped',    1762400000, 1762400000)
ON CONFLICT (order_id) DO NOTHING;
