"""The one rule for text that comes in, before anything stores it.

PostgreSQL's text and jsonb refuse NUL and lone surrogates (which cannot be
UTF-8 encoded), so a message carrying one failed its turn on PostgreSQL and
passed on SQLite. NUL is removed; a lone surrogate becomes U+FFFD, as a UTF-8
decoder would show it. Applied to every Slack request (the middleware in
``bot/listeners/fallback.py``), to Edit… values read as JSON and to terminal input.
"""

from __future__ import annotations

import re

_REFUSED = re.compile("[\x00\ud800-\udfff]")


def _replacement(match: re.Match) -> str:
    return "" if match.group() == "\x00" else "\ufffd"


# In a JSON text a NUL or a surrogate can only be an escape (raw, it is not valid JSON or UTF-8),
# unless the text was decoded leniently; a surrogate pair (an emoji written as escapes) matches too.
_JSON_MAY_HOLD_REFUSED = re.compile(r"[\x00\ud800-\udfff]|\\u(?:0000|[dD][89a-fA-F])")


def json_text_is_storable(text: str) -> bool:
    """True when what parsing this JSON text gives needs no ``storable``: most requests, whose
    deep copy is then skipped (it was ~8 % of an ack's CPU, docs/benchmarks.md)."""
    return not _JSON_MAY_HOLD_REFUSED.search(text)


def storable(value):
    """``value`` with every string in it (dict keys and values, list items) made storable."""
    if isinstance(value, str):
        return _REFUSED.sub(_replacement, value)
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v) for v in value]
    return value
