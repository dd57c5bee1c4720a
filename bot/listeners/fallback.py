"""What Slack may deliver that no listener claims: stored-text scrubbing first, a 200 last.

Bolt answers 404 when no listener matches, which Slack counts as a failed
delivery and retries (and, repeated, disables the subscription). An event type
the app is subscribed to by someone's manifest edit, a URL button's
block_actions, a modal we never opened: each is acknowledged and logged at DEBUG.
"""

from __future__ import annotations

import logging
import re

from slack_bolt import BoltResponse

from bot.storable import json_text_is_storable, storable

log = logging.getLogger(__name__)
ANY = re.compile(".*")


async def scrub_body(req, next):
    """Every string of the payload made storable (``bot.storable``) before any listener reads it."""
    # Bolt parsed a body starting with "{" as JSON; a form body or a Socket Mode payload
    # (raw_body empty) is walked.
    raw = req.raw_body
    if not (raw and raw.startswith("{") and json_text_is_storable(raw)):
        req.body = storable(req.body)
    if req.body.get("type") == "app_rate_limited":  # not an event: no listener kind can match it
        log.warning("Slack is dropping events to this app (rate limited)",
                    extra={"minute": req.body.get("minute_rate_limited")})
        return BoltResponse(status=200, body="")
    return await next()


async def acknowledge(ack, body) -> None:
    await ack()
    log.debug("ignored a request no listener handles",
              extra={"type": body.get("type"), "event": (body.get("event") or {}).get("type")})


def register_first(app) -> None:
    app.use(scrub_body)


def register_last(app) -> None:
    for kind in (app.event, app.action, app.shortcut, app.command, app.view, app.view_closed, app.options):
        kind(ANY)(acknowledge)
