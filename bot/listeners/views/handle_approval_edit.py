from bot.approvals.clicks import on_edit_submission


async def handle_approval_edit(deps, ack, body: dict, view: dict) -> None:
    """The Edit… modal submitted: approve with the edited arguments (validated first)."""
    await on_edit_submission(deps.extras["approvals"], ack, body, view)
