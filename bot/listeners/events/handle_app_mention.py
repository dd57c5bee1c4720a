from bot.queue.intake import accept, classify


async def handle_app_mention(deps, event: dict, context, body: dict) -> None:
    """@supportbot in a channel: the bot joins that thread and answers."""
    intake = classify(event, body.get("team_id") or context.team_id, context.bot_user_id, mention_event=True)
    if intake is not None and await accept(deps.inbox, intake, require_joined=False):
        deps.wake()
