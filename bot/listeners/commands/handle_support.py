"""``/support``: ack at once; then authorise, run the subcommand, answer ephemerally."""

from __future__ import annotations

import asyncio
import logging

from slack_sdk.errors import SlackApiError

from bot.listeners.commands.handle_forget import handle_forget
from bot.listeners.commands.handle_history import handle_history
from bot.listeners.commands.handle_rewind import handle_rewind
from bot.listeners.commands.request import SupportRequest
from bot import messages as say

log = logging.getLogger(__name__)

SUBCOMMANDS = {"history": handle_history, "rewind": handle_rewind, "forget": handle_forget}


# Answers still being worked on; held so the event loop does not drop them.
_answering: set[asyncio.Task] = set()


async def ack_support(deps, ack, body: dict, respond) -> None:
    """Ack at once, then answer from a task of its own. The app answers Slack's HTTP request
    only when its listeners return (process_before_response), and Bolt's lazy listeners
    cannot be used: they deep-copy the request, whose client shares the process's HTTP session."""
    await ack()
    task = asyncio.create_task(handle_support(deps, body, respond), name="support-command")
    _answering.add(task)
    task.add_done_callback(_answering.discard)


async def handle_support(deps, body: dict, respond) -> None:
    request = SupportRequest.from_body(body)
    handler = SUBCOMMANDS.get(request.subcommand)
    try:
        text = await handler(deps, request) if handler else say.USAGE
    except Exception:
        log.exception("/support failed", extra={"subcommand": request.subcommand, "user": request.user})
        text = say.FAILED
    await reply(deps, request, text, respond)


async def reply(deps, request: SupportRequest, text: str, respond) -> None:
    try:
        await deps.client.chat_postEphemeral(channel=request.channel, user=request.user, text=text,
                                             thread_ts=request.thread_ts)
    except SlackApiError as exc:  # e.g. a channel the bot is not in: the response_url still works
        log.info("postEphemeral failed; answering through response_url",
                 extra={"error": exc.response.get("error")})
        await respond(text=text, response_type="ephemeral", replace_original=False)
