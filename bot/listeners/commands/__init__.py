"""Slash commands: ``/support history | rewind | forget`` for operators (and a user's own forget).

Slack wants an answer within 3 s and the app runs with
``process_before_response=True``, so the listener acks and the work runs in a
task of its own, answering ephemerally (chat.postEphemeral, or the
response_url when the bot cannot post in that channel).
"""

from functools import partial

from bot.listeners.commands.handle_support import ack_support

COMMAND = "/support"


def register(app, deps) -> None:
    app.command(COMMAND)(partial(ack_support, deps))
