from bot.approvals.clicks import on_decision_click


async def handle_reject(deps, ack, body: dict) -> None:
    """**Reject** on an approval card: the model is told the action was not approved."""
    await on_decision_click(deps.extras["approvals"], ack, body, approve=False)
