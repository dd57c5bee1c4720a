from bot.approvals.clicks import on_decision_click


async def handle_approve(deps, ack, body: dict) -> None:
    """**Approve** on an approval card: decide once, then resume the paused run."""
    await on_decision_click(deps.extras["approvals"], ack, body, approve=True)
