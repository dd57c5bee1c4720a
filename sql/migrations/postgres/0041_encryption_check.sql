-- Encryption at rest: one known value sealed with SUPPORTBOT_ENCRYPTION_KEY
-- when encryption is first turned on. Start-up opens it: without the key, or with a
-- wrong one, the bot stops with one line instead of failing on the first sealed row.
CREATE TABLE IF NOT EXISTS encryption_check (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    sealed TEXT NOT NULL
);
