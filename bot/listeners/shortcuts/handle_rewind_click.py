import logging

from slack_sdk.errors import SlackApiError

from bot import messages as say
from bot.listeners.commands.handle_rewind import handle_rewind
from bot.listeners.commands.request import SupportRequest
from bot.operators.history_modal import build_history_modal
from bot.operators.timeline import history

log = logging.getLogger(__name__)


async def handle_rewind_click(deps, ack, body: dict) -> None:
    """**Rewind to here** (confirmed) in the history modal: the same rewind as ``/support rewind``
    and the CLI, authorised again here; the modal is redrawn with the outcome."""
    await ack()
    user = body["user"]["id"]
    view = body.get("view") or {}
    thread_id = view.get("private_metadata") or ""
    checkpoint = body["actions"][0].get("value") or ""
    team = (body.get("team") or {}).get("id") or ""
    request = SupportRequest("rewind", [checkpoint, thread_id], user, team, "", None)
    try:
        outcome = await handle_rewind(deps, request)
    except Exception:
        log.exception("rewind from the history modal failed", extra={"thread_id": thread_id})
        outcome = say.RUN_FAILED_FINAL
    try:
        steps = await history(deps.agent.graph, thread_id)
        await deps.client.views_update(view_id=view.get("id"), view=build_history_modal(thread_id, steps, outcome))
    except Exception as exc:  # the rewind stands; the modal is only a view of it
        error = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
        log.warning("could not redraw the history modal", extra={"thread_id": thread_id, "error": error})
