"""Slash commands: ``/support history | rewind | forget`` for operators (and a user's own forget).

Slack wants an answer within 3 s and the app runs with
``process_before_response=True``, so the listener only acks; the work runs as a
Bolt lazy listener and answers ephemerally (chat.postEphemeral, or the
response_url when the bot cannot post in that channel).
"""

from functools import partial

from bot.listeners.commands.handle_support import ack_support, handle_support

COMMAND = "/support"


def register(app, deps) -> None:
    app.command(COMMAND)(ack=ack_support, lazy=[partial(handle_support, deps)])
