import logging

from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)


async def handle_thread_context_changed(save_thread_context, event: dict) -> None:
    """The user switched channels with the AI view open: Bolt keeps the new context in the
    metadata of the thread's first bot reply. Best effort: the agent does not depend on it."""
    thread = event.get("assistant_thread") or {}
    try:
        await save_thread_context(thread.get("context") or {})
    except SlackApiError as exc:  # e.g. the thread is gone, or it has no bot reply yet
        log.info("assistant thread context not saved", extra={"channel": thread.get("channel_id"),
                                                             "error": exc.response.get("error")})
