-- A card Slack refused to post (not_in_channel, channel_not_found...): why, how many
-- tries so far and when to try again. The reconciler (bot/approvals/reconcile.py) retries
-- with back-off; `supportbot approvals` shows the error. Cleared when a post succeeds.
ALTER TABLE approvals ADD COLUMN card_error TEXT;
ALTER TABLE approvals ADD COLUMN card_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE approvals ADD COLUMN card_retry_at REAL;
