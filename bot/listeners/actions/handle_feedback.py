import logging

from slack_sdk.errors import SlackApiError

from bot import messages as say
from bot.feedback.blocks import decode_vote
from bot.feedback.store import CHANGED, record_vote

log = logging.getLogger(__name__)


async def handle_feedback(deps, ack, body: dict) -> None:
    """A thumbs up/down under an answer: stored once per user and answer, then a thank-you only they see."""
    user = body["user"]["id"]
    vote = decode_vote((body.get("actions") or [{}])[0].get("value"))
    if vote is not None:
        outcome = await record_vote(deps.agent.storage.db, vote, user)
        log.info("feedback", extra={"thread_id": vote.thread_id, "vote": vote.vote, "outcome": outcome})
        text = say.FEEDBACK_CHANGED if outcome == CHANGED else say.FEEDBACK_THANKS[vote.vote]
    else:
        log.warning("feedback click with a value we did not send", extra={"user": user})
        text = say.FEEDBACK_BAD
    await ack()  # after the write: a failed write answers 500 and the click is not lost silently
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    thread_ts = container.get("thread_ts") or (body.get("message") or {}).get("thread_ts")
    try:
        await deps.client.chat_postEphemeral(channel=channel, user=user, text=text,
                                             **({"thread_ts": thread_ts} if thread_ts else {}))
    except SlackApiError as exc:
        log.info("feedback thank-you not shown", extra={"error": exc.response.get("error")})
