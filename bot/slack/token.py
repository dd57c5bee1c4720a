"""Start-up check of SLACK_BOT_TOKEN: one ``auth.test``, before anything is served."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages as say
from bot.config import ConfigError

log = logging.getLogger(__name__)


async def check_bot_token(client: AsyncWebClient) -> dict:
    """Who the token is (``auth.test``); a token Slack refuses stops start-up with one line.

    Slack being unreachable is not the token's fault: that is logged and start-up goes on
    (the Web API client retries, and deliveries wait in the inbox).
    """
    try:
        response = await client.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error") or "refused"
        raise ConfigError(say.BOT_TOKEN_REFUSED.format(error=error)) from None
    except OSError as exc:
        log.warning("could not reach Slack to check SLACK_BOT_TOKEN", extra={"error": type(exc).__name__})
        return {}
    log.info("slack token checked", extra={"team_id": response.get("team_id"), "bot_user": response.get("user_id")})
    return dict(response.data)
