"""``/support history [thread-id]``: the thread's newest checkpoints (operators only)."""

from __future__ import annotations

from bot.listeners.commands.request import SupportRequest, split_thread_arg
from bot import messages as say
from bot.operators.access import is_operator
from bot.operators.output import table
from bot.operators.timeline import NotFound, history

SHOWN = 15
COLUMNS = [("mark", " "), ("checkpoint_id", "checkpoint_id"), ("step", "step"), ("node", "node"),
           ("messages", "msgs"), ("last", "last_message")]


async def handle_history(deps, request: SupportRequest) -> str:
    if not is_operator(deps.settings, request.user):
        return say.NOT_AN_OPERATOR.format(command="history")
    _, named = split_thread_arg(request.args)
    thread_id = request.thread_id(named)
    if thread_id is None:
        return say.NO_THREAD.format(command="history")
    try:
        steps = await history(deps.agent.graph, thread_id)
    except NotFound:
        return say.UNKNOWN_THREAD.format(thread_id=thread_id)
    rows = [{**s.as_json(), "mark": "" if s.on_head else "x", "last": s.last_message[:60]} for s in steps[:SHOWN]]
    head = say.HISTORY_HEAD.format(thread_id=thread_id, shown=len(rows), total=len(steps))
    return f"{head}\n```\n{table(rows, COLUMNS)}\n```"
