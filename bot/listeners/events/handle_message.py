from bot.queue.intake import accept, classify


async def handle_message(deps, event: dict, context, body: dict) -> None:
    """Every DM; in channels, replies in threads the bot joined (and mentions, deduplicated)."""
    intake = classify(event, body.get("team_id") or context.team_id, context.bot_user_id)
    if intake is None:
        return
    if not intake.place.is_dm and not intake.joins and not intake.payload.get("thread_ts"):
        return  # a top-level channel message that does not mention us
    if await accept(deps.inbox, intake, require_joined=not intake.joins):
        deps.wake()
