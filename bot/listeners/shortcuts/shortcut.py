"""What a message shortcut is about, and the ephemeral answer to someone it refuses."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError

from bot.threads import place_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ShortcutOn:
    user: str
    channel: str
    thread_ts: str | None
    thread_id: str
    trigger_id: str

    @classmethod
    def from_body(cls, body: dict) -> "ShortcutOn":
        message = body.get("message") or {}
        team = (body.get("team") or {}).get("id") or body.get("team_id") or ""
        channel = (body.get("channel") or {}).get("id") or ""
        ts = message.get("ts") or body.get("message_ts") or ""
        place = place_of(team, channel, ts, message.get("thread_ts"))
        return cls(body["user"]["id"], channel, place.thread_ts, place.thread_id, body.get("trigger_id") or "")


async def tell(deps, on: ShortcutOn, text: str, respond) -> None:
    """Only the clicker sees it: an ephemeral in the thread, else through the response_url."""
    try:
        await deps.client.chat_postEphemeral(channel=on.channel, user=on.user, text=text,
                                             **({"thread_ts": on.thread_ts} if on.thread_ts else {}))
    except SlackApiError as exc:  # e.g. a channel the bot is not in
        log.info("postEphemeral failed; answering through response_url", extra={"error": exc.response.get("error")})
        await respond(text=text, response_type="ephemeral", replace_original=False)
