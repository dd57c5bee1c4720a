"""Imported at start-up by a bot process whose PYTHONPATH names this folder (the
``kill_after_post`` fixture): SIGKILL the process in the outbox's narrowest crash
window, right after Slack accepted a post and before the outbox recorded it."""

import os
import signal

from bot.slack import outbox

outbox.after_send.append(lambda key: os.kill(os.getpid(), signal.SIGKILL))
