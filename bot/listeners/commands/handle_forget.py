"""``/support forget [thread-id]``: erase a conversation (its starter, or any operator)."""

from __future__ import annotations

from bot.listeners.commands.request import SupportRequest, split_thread_arg
from bot import messages as say
from bot.operators.access import may_forget
from bot.operators.forget import forget_thread, found_anything
from bot.operators.lease import ThreadBusy, operator_owner


async def handle_forget(deps, request: SupportRequest) -> str:
    _, named = split_thread_arg(request.args)
    thread_id = request.thread_id(named)
    if thread_id is None:
        return say.NO_THREAD.format(command="forget")
    storage = deps.agent.storage
    if not await may_forget(deps.settings, storage.db, request.user, thread_id):
        return say.NOT_YOUR_THREAD
    try:
        counts = await forget_thread(storage, thread_id, owner=operator_owner(request.user))
    except ThreadBusy:
        return say.FORGET_BUSY
    if not found_anything(counts):
        return say.FORGET_NOTHING.format(thread_id=thread_id)
    return say.FORGOTTEN.format(thread_id=thread_id)
