from bot.listeners.events.handle_app_mention import handle_app_mention
from bot.listeners.events.handle_message import handle_message


def register(app, deps) -> None:
    async def on_mention(event, context, body):
        await handle_app_mention(deps, event, context, body)

    async def on_message(event, context, body):
        await handle_message(deps, event, context, body)

    app.event("app_mention")(on_mention)
    app.event("message")(on_message)
    # Subscribed-to noise we deliberately ignore (otherwise Bolt logs "unhandled").
    for name in ("member_joined_channel", "member_left_channel", "app_home_opened"):
        app.event(name)(_ignore)


async def _ignore() -> None:
    return None
