from functools import partial

from bot.listeners.events.handle_app_home_opened import handle_app_home_opened
from bot.listeners.events.handle_app_mention import handle_app_mention
from bot.listeners.events.handle_message import handle_message


def register(app, deps) -> None:
    app.event("app_mention")(partial(handle_app_mention, deps))
    app.event("message")(partial(handle_message, deps))
    app.event("app_home_opened")(partial(handle_app_home_opened, deps))
    # Any other event type is acknowledged by bot/listeners/fallback.py.
