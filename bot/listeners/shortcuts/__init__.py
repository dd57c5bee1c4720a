"""Message shortcuts for operators, since Slack allows no slash commands inside threads:
"Conversation history" (a timeline modal whose **Rewind to here** runs the same rewind as
the CLI) and "Forget this conversation" (its starter or an operator). The interactions
of the modals they open are registered here too, next to the shortcut that opens them.
"""

from functools import partial

from bot.listeners.shortcuts.handle_forget_shortcut import handle_forget_shortcut, handle_forget_submission
from bot.listeners.shortcuts.handle_history_shortcut import handle_history_shortcut
from bot.listeners.shortcuts.handle_rewind_click import handle_rewind_click
from bot.operators.history_modal import FORGET_SHORTCUT, FORGET_VIEW, HISTORY_SHORTCUT, REWIND_ACTION


def register(app, deps) -> None:
    app.shortcut(HISTORY_SHORTCUT)(partial(handle_history_shortcut, deps))
    app.shortcut(FORGET_SHORTCUT)(partial(handle_forget_shortcut, deps))
    app.action(REWIND_ACTION)(partial(handle_rewind_click, deps))
    app.view(FORGET_VIEW)(partial(handle_forget_submission, deps))
