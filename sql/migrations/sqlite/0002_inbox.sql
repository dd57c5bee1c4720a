-- Conversations the bot takes part in: a channel thread joins when the bot is
-- mentioned in it; its later replies are answered because of this row.
CREATE TABLE IF NOT EXISTS conversations (
    thread_id        TEXT PRIMARY KEY,
    team_id          TEXT NOT NULL,
    channel_id       TEXT NOT NULL,
    thread_ts        TEXT,
    started_by       TEXT,
    created_at       REAL NOT NULL,
    last_activity_at REAL NOT NULL
);

-- Every delivery Slack made, written before the ack. delivery_key is
-- team:channel:ts, so app_mention + message for one mention and Slack's
-- retries of either insert one row.
CREATE TABLE IF NOT EXISTS inbox (
    item_id      INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_key TEXT NOT NULL UNIQUE,
    thread_id    TEXT NOT NULL,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending',
    fence        INTEGER,
    attempts     INTEGER NOT NULL DEFAULT 0,
    error        TEXT,
    created_at   REAL NOT NULL,
    updated_at   REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS inbox_open ON inbox (thread_id, item_id) WHERE status IN ('pending', 'running');
CREATE INDEX IF NOT EXISTS inbox_status ON inbox (status, item_id);

-- One writer per thread: whoever holds the unexpired lease. fence grows by one
-- on every take-over; writes check it so a worker that lost its lease cannot
-- write or post after another took over.
CREATE TABLE IF NOT EXISTS thread_leases (
    thread_id  TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    fence      INTEGER NOT NULL,
    expires_at REAL NOT NULL
);

-- What we posted (or will post) to Slack, keyed so a re-run after a crash
-- finds the earlier post instead of posting twice.
CREATE TABLE IF NOT EXISTS outbox (
    outbox_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    outbox_key  TEXT NOT NULL UNIQUE,
    thread_id   TEXT NOT NULL,
    channel_id  TEXT NOT NULL,
    thread_ts   TEXT,
    kind        TEXT NOT NULL,
    body        TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending',
    slack_ts    TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    error       TEXT,
    created_at  REAL NOT NULL,
    posted_at   REAL
);
CREATE INDEX IF NOT EXISTS outbox_thread ON outbox (thread_id);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (status) WHERE status = 'pending';
