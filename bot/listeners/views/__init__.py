from bot.approvals.edit import EDIT_VIEW
from bot.listeners.views.handle_approval_edit import handle_approval_edit


def register(app, deps) -> None:
    async def on_approval_edit(ack, body, view):
        await handle_approval_edit(deps, ack, body, view)

    app.view(EDIT_VIEW)(on_approval_edit)
