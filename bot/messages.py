"""Everything the bot says in its own words. Exception text never reaches Slack."""

THINKING = "is thinking…"
RUN_FAILED = "Sorry, something went wrong on my side while answering. I'll pick this up again shortly; nothing you wrote is lost."
RUN_FAILED_FINAL = "Sorry, I couldn't answer that because of a problem on my side. Send another message to try again; nothing you wrote is lost."
TOO_LONG = "Your message is {length:,} characters long; I can read up to {limit:,}. Please shorten it or split it into parts."
EMPTY_ANSWER = "I don't have an answer to that. Could you rephrase it?"
WAITING_FOR_APPROVAL = "I'm waiting for someone to approve *{tool}* before I can go on. I'll answer your new message once that's decided."
