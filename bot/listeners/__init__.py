"""Slack listeners by surface; each package's ``register(app, deps)`` wires its handlers.

A handler's first parameter is the dependency it needs, bound here with
``functools.partial``; Bolt injects the rest by name (``ack``, ``body``, ...).
"""

from bot.listeners import actions, commands, events, views


def register(app, deps) -> None:
    for surface in (events, actions, commands, views):
        surface.register(app, deps)
