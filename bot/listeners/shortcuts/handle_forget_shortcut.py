from bot import messages as say
from bot.listeners.commands.handle_forget import handle_forget
from bot.listeners.commands.request import SupportRequest
from bot.listeners.shortcuts.shortcut import ShortcutOn, tell
from bot.operators.access import may_forget
from bot.operators.history_modal import build_forget_modal, build_notice_modal


async def handle_forget_shortcut(deps, ack, body: dict, respond) -> None:
    """"Forget this conversation": its starter or an operator confirms in a modal; anyone else is refused."""
    await ack()
    on = ShortcutOn.from_body(body)
    if not await may_forget(deps.settings, deps.agent.storage.db, on.user, on.thread_id):
        await tell(deps, on, say.SHORTCUT_FORGET_REFUSED, respond)
        return
    await deps.client.views_open(trigger_id=on.trigger_id, view=build_forget_modal(on.thread_id))


async def handle_forget_submission(deps, ack, body: dict, view: dict) -> None:
    """The confirmation: the same erase as ``/support forget`` (which authorises again)."""
    team = (body.get("team") or {}).get("id") or ""
    request = SupportRequest("forget", [view.get("private_metadata") or ""], body["user"]["id"], team, "", None)
    outcome = await handle_forget(deps, request)
    await ack(response_action="update", view=build_notice_modal(say.FORGET_TITLE, outcome))
