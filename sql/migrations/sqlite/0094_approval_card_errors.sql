-- A card Slack refused to post (not_in_channel, channel_not_found...): why, how many
-- tries so far and when to try again. The reconciler (bot/approvals/reconcile.py) retries
-- with back-off; `supportbot approvals` shows the error. Cleared when a post succeeds.
-- ``action_error``: the approved action failed when carried out (the card says so).
ALTER TABLE approvals ADD COLUMN card_error TEXT;
ALTER TABLE approvals ADD COLUMN card_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE approvals ADD COLUMN card_retry_at REAL;
ALTER TABLE approvals ADD COLUMN action_error TEXT;
