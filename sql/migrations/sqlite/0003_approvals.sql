-- One row per pause of a risky tool call (one interrupt). A decision is one
-- atomic UPDATE ... WHERE status = 'pending', so double clicks decide once.
CREATE TABLE IF NOT EXISTS approvals (
    approval_id  INTEGER PRIMARY KEY AUTOINCREMENT,
    interrupt_id TEXT NOT NULL UNIQUE,
    thread_id    TEXT NOT NULL,
    tool         TEXT NOT NULL,
    args         TEXT NOT NULL,
    requester    TEXT,
    reason       TEXT,
    status       TEXT NOT NULL DEFAULT 'pending',
    decided_by   TEXT,
    decided_at   REAL,
    note         TEXT,
    edited_args  TEXT,
    card_channel TEXT,
    card_ts      TEXT,
    created_at   REAL NOT NULL,
    expires_at   REAL
);
CREATE INDEX IF NOT EXISTS approvals_pending ON approvals (status, created_at);
CREATE INDEX IF NOT EXISTS approvals_thread ON approvals (thread_id);

-- Append-only: every approval request and decision, written in the same
-- transaction as the change it records. Forget redacts text, never deletes.
CREATE TABLE IF NOT EXISTS audit_log (
    audit_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    at          REAL NOT NULL,
    actor       TEXT,
    action      TEXT NOT NULL,
    thread_id   TEXT,
    approval_id INTEGER,
    tool        TEXT,
    args        TEXT,
    outcome     TEXT,
    detail      TEXT
);
CREATE INDEX IF NOT EXISTS audit_thread ON audit_log (thread_id);
