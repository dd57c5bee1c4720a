-- /healthz proves the database takes writes by upserting this table's one row
-- (bot/slack/health.py): a database that answers reads but refuses writes fails every ack.
CREATE TABLE IF NOT EXISTS health_probe (
    id INTEGER PRIMARY KEY,
    probed_at DOUBLE PRECISION NOT NULL
);
