"""What operator features say, in Slack and on the terminal. Exception text never reaches Slack."""

REWOUND = ("Rewound by {by} to checkpoint `{checkpoint}`. I'll continue this conversation from there; "
           "what came after it is set aside.")
CARD_VOIDED = "Void: this conversation was rewound by {by} before a decision, so *{tool}* will not run from this request."
NOT_AN_OPERATOR = "Sorry, only the bot's operators can use `/support {command}`."
NOT_YOUR_THREAD = "You can only erase a conversation you started. An operator can erase any conversation."
USAGE = ("Usage: `/support history [thread-id]`, `/support rewind <checkpoint-id> [thread-id]`, "
         "`/support forget [thread-id]`. In a DM it applies to the DM; inside a thread, use the message "
         "shortcuts (Conversation history, Forget this conversation) instead.")
NO_THREAD = ("Name the conversation: `/support {command} slack:T…:C…:ts`, or use the message shortcut "
             "on a message of its thread.")
UNKNOWN_THREAD = "I have no conversation {thread_id}."
UNKNOWN_CHECKPOINT = "Thread {thread_id} has no checkpoint `{checkpoint}`. `/support history` lists them."
BUSY = "I'm in the middle of answering in that thread; try again in a moment."
FAILED = "Sorry, that didn't work because of a problem on my side; it's been logged."
FORGOTTEN = "Done: I've erased conversation {thread_id}."
REWIND_DONE = "Rewound {thread_id} to `{checkpoint}` (new head `{head}`).{voided}"
HISTORY_HEAD = "History of {thread_id}, newest first ({shown} of {total} checkpoints; x = set aside by a rewind):"
