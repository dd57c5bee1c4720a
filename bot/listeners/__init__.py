"""Slack listeners by surface; each package's ``register(app, deps)`` wires its handlers."""

from bot.listeners import actions, commands, events, views


def register(app, deps) -> None:
    for surface in (events, actions, commands, views):
        surface.register(app, deps)
