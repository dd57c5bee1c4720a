-- A run that failed for a passing reason (model 503, Slack down) is retried
-- later, not at once: its items wait until available_at.
ALTER TABLE inbox ADD COLUMN IF NOT EXISTS available_at DOUBLE PRECISION NOT NULL DEFAULT 0;
