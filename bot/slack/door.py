"""The door of /slack/events: a request is authenticated before anything reads its body.

``Door.check`` verifies Slack's v0 signature over the raw bytes (slack_sdk's
``SignatureVerifier``); only then does Bolt parse the body. Refusals are
counted, and logged once per source and interval with the count since the
last line: a flood of forged requests must not grow the log with it.
"""

from __future__ import annotations

import logging
import time

from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

REFUSAL_LOG_SECONDS = 60.0
MAX_SOURCES = 10_000  # remembered sources; beyond this the oldest are forgotten


class RefusalLog:
    def __init__(self, interval: float = REFUSAL_LOG_SECONDS, clock=time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self._seen: dict[str, tuple[float, int]] = {}  # source -> (last logged at, refused since)

    def refused(self, source: str, why: str) -> None:
        now = self.clock()
        logged_at, count = self._seen.get(source, (None, 0))
        count += 1
        if logged_at is not None and now - logged_at < self.interval:
            self._seen[source] = (logged_at, count)
            return
        if len(self._seen) >= MAX_SOURCES:
            self._seen.pop(next(iter(self._seen)))
        self._seen[source] = (now, 0)
        log.warning("refused unauthenticated Slack requests",
                    extra={"source": source, "why": why, "count": count, "interval_seconds": self.interval})


class Door:
    def __init__(self, signing_secret: str, refusals: RefusalLog | None = None) -> None:
        self.verifier = SignatureVerifier(signing_secret)
        self.refusals = refusals or RefusalLog()

    def check(self, source: str, body: bytes, headers) -> bool:
        timestamp = headers.get("X-Slack-Request-Timestamp")
        signature = headers.get("X-Slack-Signature")
        if not timestamp or not signature:
            self.refusals.refused(source, "unsigned")
            return False
        try:
            valid = self.verifier.is_valid(body, timestamp, signature)
        except ValueError:  # a timestamp that is not a number
            valid = False
        if not valid:
            self.refusals.refused(source, "bad signature or stale timestamp")
            return False
        return True
