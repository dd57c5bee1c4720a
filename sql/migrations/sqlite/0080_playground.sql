-- The playground's Slack workspace (issue 16): the messages and Home views its
-- in-process Web API holds, so a restarted playground shows every conversation again.
CREATE TABLE IF NOT EXISTS playground_messages (
    channel_id TEXT NOT NULL,
    ts TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (channel_id, ts)
);

CREATE TABLE IF NOT EXISTS playground_homes (
    user_id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL
);
