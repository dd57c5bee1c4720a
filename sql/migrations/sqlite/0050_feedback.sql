-- Feedback on answers: one vote per user and answer, where an answer
-- is named by its thread and the checkpoint the run ended on. Clicking again
-- changes the vote (an upsert), so counts are of current votes.
CREATE TABLE feedback (
    thread_id     TEXT NOT NULL,
    checkpoint_id TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    vote          TEXT NOT NULL CHECK (vote IN ('positive', 'negative')),
    created_at    REAL NOT NULL,
    updated_at    REAL NOT NULL,
    PRIMARY KEY (thread_id, checkpoint_id, user_id)
);
CREATE INDEX feedback_by_vote ON feedback (vote, thread_id);
