import logging

from slack_sdk.errors import SlackApiError

from bot import messages as say_text
from bot.slack.render import build_reply

log = logging.getLogger(__name__)


def suggested_prompts() -> list[dict]:
    return [{"title": title, "message": message} for title, message in say_text.ASSISTANT_PROMPTS]


async def handle_thread_started(deps, say, set_suggested_prompts, event: dict) -> None:
    """A new AI-app thread: a short greeting and the shop's suggested prompts."""
    try:
        await say(**build_reply(say_text.ASSISTANT_GREETING))
        await set_suggested_prompts(prompts=suggested_prompts(), title=say_text.ASSISTANT_PROMPTS_TITLE)
    except SlackApiError as exc:  # the thread still works without them
        log.warning("could not greet a new AI thread", extra={
            "channel": (event.get("assistant_thread") or {}).get("channel_id"), "error": exc.response.get("error")})
