import logging

from slack_sdk.errors import SlackApiError

from bot import messages as say
from bot.listeners.shortcuts.shortcut import ShortcutOn, tell
from bot.operators.access import is_operator
from bot.operators.history_modal import build_history_modal
from bot.operators.timeline import NotFound, history

log = logging.getLogger(__name__)


async def handle_history_shortcut(deps, ack, body: dict, respond) -> None:
    """"Conversation history" on a message: the thread's timeline in a modal, for operators only."""
    await ack()
    on = ShortcutOn.from_body(body)
    if not is_operator(deps.settings, on.user):
        await tell(deps, on, say.SHORTCUT_REFUSED, respond)  # nothing of the thread is shown
        return
    try:
        steps = await history(deps.agent.graph, on.thread_id)
    except NotFound:
        await tell(deps, on, say.SHORTCUT_NO_THREAD, respond)
        return
    try:
        await deps.client.views_open(trigger_id=on.trigger_id, view=build_history_modal(on.thread_id, steps))
    except SlackApiError as exc:  # e.g. expired_trigger_id: the operator tries again
        log.warning("could not open the history modal", extra={"thread_id": on.thread_id,
                                                                "error": exc.response.get("error")})
