"""Block Kit for what operators change in Slack (pure builders)."""

from __future__ import annotations

import json

from bot import messages as say


def build_voided_card(tool: str, args: str | dict, by: str) -> dict:
    """chat.update arguments for an approval card whose request a rewind set aside."""
    if not isinstance(args, str):
        args = json.dumps(args, ensure_ascii=False)
    text = say.CARD_VOIDED.format(by=by, tool=tool)
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f":no_entry_sign: {text}"}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"`{tool}` {args[:500]}"}]},
        ],
    }
