-- What an approval card shows, stored with its row (issue 5), so a card can be
-- redrawn after a decision, an expiry or a restart without asking Slack or
-- the shop again: the plain-words action ("Refund order 1001 ($129.00)") and
-- a link to the conversation that asked for it.
ALTER TABLE approvals ADD COLUMN summary TEXT;
ALTER TABLE approvals ADD COLUMN thread_link TEXT;
