"""Everything the bot says in its own words. Exception text never reaches Slack."""

THINKING = "is thinking…"
RUN_FAILED = "Sorry, something went wrong on my side while answering. I'll pick this up again shortly; nothing you wrote is lost."
RUN_FAILED_FINAL = "Sorry, I couldn't answer that because of a problem on my side. Send another message to try again; nothing you wrote is lost."
TOO_LONG = "Your message is {length:,} characters long; I can read up to {limit:,}. Please shorten it or split it into parts."
EMPTY_ANSWER = "I don't have an answer to that. Could you rephrase it?"
WAITING_FOR_APPROVAL = "I'm waiting for someone to approve *{tool}* before I can go on. I'll answer your new message once that's decided."

# -- approvals (issue 5) --
APPROVAL_NEEDED = "I'm waiting for approval before I do this, and will go on in the conversation once someone approves or rejects it."
APPROVAL_ASKED = "I've asked for approval to *{action}* ({card}). I'll go on here once someone decides."
APPROVAL_NOT_APPROVER = "Only approvers can decide this request. Ask one of {approvers} to look at it."
APPROVAL_NO_APPROVERS = "Nobody is set up to approve requests yet: an admin needs to set SUPPORTBOT_APPROVERS or SUPPORTBOT_APPROVER_GROUP."
APPROVAL_SELF = "You asked for this, so someone else has to approve or reject it."
APPROVAL_NOT_PENDING = "This request is no longer pending{outcome}. Nothing was changed."
APPROVAL_EXPIRED_NOTE = "expired: nobody decided within {ttl}"
APPROVAL_BAD_ARGS = "That value doesn't work: {problem}"
