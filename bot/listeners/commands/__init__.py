"""Slash commands: ``/support history | rewind | forget`` for operators (and a user's own forget).

Slack wants an answer within 3 s and the app runs with
``process_before_response=True``, so the listener only acks; the work runs as a
Bolt lazy listener and answers ephemerally (chat.postEphemeral, or the
response_url when the bot cannot post in that channel).
"""

from bot.listeners.commands.handle_support import ack_support, handle_support

COMMAND = "/support"


def register(app, deps) -> None:
    async def on_ack(ack):
        await ack_support(ack)

    async def on_support(body, respond):
        await handle_support(deps, body, respond)

    app.command(COMMAND)(ack=on_ack, lazy=[on_support])
