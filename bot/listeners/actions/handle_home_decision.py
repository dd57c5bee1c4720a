import logging

from bot.home.publish import publish_home
from bot.home.view import home_block_id

log = logging.getLogger(__name__)


async def handle_home_decision(deps, ack, body: dict, *, approve: bool) -> None:
    """**Approve** / **Reject** on the Home tab: the same decide-once path as the card in the
    thread (authorise, decide atomically, resume the run), then the card is redrawn.

    A click counts only from the Home block drawn for that approval: a button value
    moved elsewhere decides nothing.
    """
    user = body["user"]["id"]
    action = (body.get("actions") or [{}])[0]
    interrupt_id = action.get("value") or ""
    approvals = deps.approvals
    approval = await approvals.store.get(interrupt_id)
    from_home = (body.get("view") or {}).get("type") == "home"
    if approval is None or not from_home or action.get("block_id") != home_block_id(approval):
        await ack()
        log.warning("home click refused: not this approval's Home entry", extra={"user": user})
        return
    outcome = await approvals.decide(user, interrupt_id, approve=approve)
    await ack()  # after the decision is committed: a database failure answers 500
    if outcome.ok:
        await approvals.show(outcome.approval)  # the card in the thread says what happened
    else:  # decided already, or not theirs to decide: the redrawn Home shows where it stands
        log.info("home click decided nothing", extra={"user": user, "thread_id": approval.thread_id})
    await publish_home(deps, user)

