"""A link to the conversation an approval was asked in: Slack's permalink, or one we build."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.threads import SlackPlace

log = logging.getLogger(__name__)


def built_link(workspace_url: str, place: SlackPlace) -> str:
    """https://acme.slack.com/archives/C1/p1700000000000100 (the thread's first message)."""
    base = workspace_url if workspace_url.endswith("/") else workspace_url + "/"
    if not place.thread_ts:
        return f"{base}archives/{place.channel_id}"
    return f"{base}archives/{place.channel_id}/p{place.thread_ts.replace('.', '')}"


class Links:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._workspace_url: str | None = None

    async def thread(self, place: SlackPlace) -> str | None:
        if place.thread_ts:
            try:
                response = await self.client.chat_getPermalink(channel=place.channel_id, message_ts=place.thread_ts)
                if response.get("permalink"):
                    return response["permalink"]
            except SlackApiError:
                pass  # e.g. a message we cannot see: build the link instead
        try:
            if self._workspace_url is None:
                self._workspace_url = (await self.client.auth_test()).get("url") or ""
        except SlackApiError as exc:
            log.info("no workspace url for a thread link", extra={"error": exc.response.get("error")})
            return None
        return built_link(self._workspace_url, place) if self._workspace_url else None
