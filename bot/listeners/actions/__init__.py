from bot.approvals.card import APPROVE_ACTION, EDIT_ACTION, REJECT_ACTION
from bot.listeners.actions.handle_approve import handle_approve
from bot.listeners.actions.handle_edit import handle_edit
from bot.listeners.actions.handle_reject import handle_reject


def register(app, deps) -> None:
    async def on_approve(ack, body):
        await handle_approve(deps, ack, body)

    async def on_reject(ack, body):
        await handle_reject(deps, ack, body)

    async def on_edit(ack, body, client):
        await handle_edit(deps, ack, body, client)

    app.action(APPROVE_ACTION)(on_approve)
    app.action(REJECT_ACTION)(on_reject)
    app.action(EDIT_ACTION)(on_edit)
