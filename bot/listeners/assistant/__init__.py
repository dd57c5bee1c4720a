"""The AI-app thread (Slack's assistant view), through Bolt's ``AsyncAssistant`` middleware.

Only the thread's start and context changes are handled here; the user's
messages in the thread are not claimed by the middleware (no ``user_message``
listener), so they reach ``bot/listeners/events`` and the inbox like any DM
thread: each AI thread is its own conversation, ``slack:{team}:{dm}:{thread_ts}``.
"""

from functools import partial

from slack_bolt.async_app import AsyncAssistant

from bot.listeners.assistant.handle_thread_context_changed import handle_thread_context_changed
from bot.listeners.assistant.handle_thread_started import handle_thread_started


def register(app, deps) -> None:
    assistant = AsyncAssistant()
    assistant.thread_started(partial(handle_thread_started, deps))
    assistant.thread_context_changed(handle_thread_context_changed)
    app.assistant(assistant)
