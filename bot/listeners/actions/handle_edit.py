from bot.approvals.clicks import on_edit_click


async def handle_edit(deps, ack, body: dict, client) -> None:
    """**Edit…** on an approval card: a modal with the arguments (approvers only)."""
    await on_edit_click(deps.extras["approvals"], ack, body, client)
