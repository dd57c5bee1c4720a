"""The feedback buttons under an answer (Slack's ``feedback_buttons`` in a ``context_actions`` block).

Each button's value names the answer it judges, so a click needs nothing but
itself: ``<vote>|<checkpoint id>|<thread id>``, where the checkpoint is the one
the answering run ended on.
"""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.models.blocks import ContextActionsBlock, FeedbackButtonObject, FeedbackButtonsElement

from bot import messages as say
from bot.feedback import VOTES

FEEDBACK_ACTION = "answer_feedback"
FEEDBACK_BLOCK = "answer_feedback"



@dataclass(frozen=True)
class Vote:
    vote: str
    checkpoint_id: str
    thread_id: str


def encode_vote(vote: str, checkpoint_id: str, thread_id: str) -> str:
    return f"{vote}|{checkpoint_id}|{thread_id}"


def decode_vote(value: str | None) -> Vote | None:
    """None for anything a feedback button of ours would not send."""
    parts = (value or "").split("|", 2)
    if len(parts) != 3 or parts[0] not in VOTES or not parts[1] or not parts[2].startswith("slack:"):
        return None
    return Vote(*parts)


def build_feedback_block(thread_id: str, checkpoint_id: str) -> dict:
    element = FeedbackButtonsElement(
        action_id=FEEDBACK_ACTION,
        positive_button=FeedbackButtonObject(text=say.FEEDBACK_POSITIVE_LABEL,
                                             accessibility_label=say.FEEDBACK_POSITIVE_LABEL,
                                             value=encode_vote("positive", checkpoint_id, thread_id)),
        negative_button=FeedbackButtonObject(text=say.FEEDBACK_NEGATIVE_LABEL,
                                             accessibility_label=say.FEEDBACK_NEGATIVE_LABEL,
                                             value=encode_vote("negative", checkpoint_id, thread_id)),
    )
    return ContextActionsBlock(block_id=FEEDBACK_BLOCK, elements=[element]).to_dict()
