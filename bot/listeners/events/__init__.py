from functools import partial

from bot.listeners.events.handle_app_home_opened import handle_app_home_opened
from bot.listeners.events.handle_app_mention import handle_app_mention
from bot.listeners.events.handle_message import handle_message


def register(app, deps) -> None:
    app.event("app_mention")(partial(handle_app_mention, deps))
    app.event("message")(partial(handle_message, deps))
    app.event("app_home_opened")(partial(handle_app_home_opened, deps))
    # Subscribed-to noise we deliberately ignore (otherwise Bolt logs "unhandled").
    for name in ("member_joined_channel", "member_left_channel"):
        app.event(name)(_ignore)


async def _ignore() -> None:
    return None
