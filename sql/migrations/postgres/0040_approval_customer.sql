-- Whose order an approval is about: the customer's name and email as
-- JSON, shown on the card to approvers, so that nobody approves a refund of the
-- wrong customer's order. Written once, when the request is made.
ALTER TABLE approvals ADD COLUMN customer TEXT;
