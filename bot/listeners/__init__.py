"""Slack listeners by surface; each package's ``register(app, deps)`` wires its handlers.

A handler's first parameter is the dependency it needs, bound here with
``functools.partial``; Bolt injects the rest by name (``ack``, ``body``, ...).
"""

from bot.listeners import actions, assistant, commands, events, fallback, shortcuts, views


def register(app, deps) -> None:
    fallback.register_first(app)
    for surface in (assistant, events, actions, commands, shortcuts, views):
        surface.register(app, deps)
    fallback.register_last(app)
