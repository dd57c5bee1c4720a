-- A run that failed for a passing reason (model 503, Slack down) is retried
-- later, not at once: its items wait until available_at.
ALTER TABLE inbox ADD COLUMN available_at REAL NOT NULL DEFAULT 0;
