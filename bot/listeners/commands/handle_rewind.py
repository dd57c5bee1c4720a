"""``/support rewind <checkpoint-id> [thread-id]``: fork the thread there (operators only)."""

from __future__ import annotations

from bot.listeners.commands.request import SupportRequest, split_thread_arg
from bot import messages as say
from bot.operators.access import is_operator
from bot.operators.lease import ThreadBusy
from bot.operators.rewind import AlreadyThere, rewind
from bot.operators.timeline import NotFound

WAIT_SECONDS = 10.0


async def handle_rewind(deps, request: SupportRequest) -> str:
    if not is_operator(deps.settings, request.user):
        return say.NOT_AN_OPERATOR.format(command="rewind")
    args, named = split_thread_arg(request.args)
    if len(args) != 1:
        return say.USAGE
    thread_id = request.thread_id(named)
    if thread_id is None:
        return say.NO_THREAD.format(command="rewind <checkpoint-id>")
    checkpoint = args[0]
    storage = deps.agent.storage
    try:
        result = await rewind(deps.agent.graph, storage.db, thread_id, checkpoint, request.user,
                              slack=deps.outbox, wait=WAIT_SECONDS)
    except AlreadyThere:
        return say.ALREADY_THERE.format(thread_id=thread_id, checkpoint=checkpoint)
    except NotFound:
        return say.UNKNOWN_CHECKPOINT.format(thread_id=thread_id, checkpoint=checkpoint)
    except ThreadBusy:
        return say.BUSY
    deps.wake()  # messages held behind a voided pause are pending again
    voided = "".join(say.REWIND_VOIDED.format(approval_id=a["approval_id"], tool=a["tool"]) for a in result.voided)
    return say.REWIND_DONE.format(thread_id=thread_id, checkpoint=checkpoint, head=result.new_head, voided=voided)
