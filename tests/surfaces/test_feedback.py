"""Feedback buttons on answers: a click is stored once per user and answer and shows in stats."""

from __future__ import annotations

import json

from bot import messages as say
from bot.feedback.blocks import FEEDBACK_ACTION, FEEDBACK_BLOCK, decode_vote
from tests.operators.conftest import cli, settings_for
from tests.support.slack_requests import app_mention_event, block_actions_payload, message_event
from tests.surfaces.conftest import CUSTOMER, OUTSIDER, interact, send

THREAD = "1700000400.000100"


def feedback_values(message: dict) -> dict[str, str]:
    """{"positive": value, "negative": value} of the answer's feedback buttons."""
    (block,) = [b for b in message.get("blocks") or [] if b["type"] == "context_actions"]
    (element,) = block["elements"]
    assert block["block_id"] == FEEDBACK_BLOCK and element["type"] == "feedback_buttons"
    return {"positive": element["positive_button"]["value"], "negative": element["negative_button"]["value"]}


async def answered(bot, channel="C1", thread_ts=THREAD) -> dict:
    await bot.idle()
    (answer,) = [m for m in bot.slack.messages(channel, thread_ts) if m.get("bot_id")]
    return answer


async def click(bot, user: str, value: str, channel="C1", message_ts="1", thread_ts=THREAD) -> None:
    body = block_actions_payload(user, FEEDBACK_ACTION, value, channel, message_ts, thread_ts=thread_ts,
                                 block_id=FEEDBACK_BLOCK)
    status, _ = await interact(bot, body)
    assert status == 200


async def test_answer_carries_feedback_buttons_naming_its_thread_and_checkpoint(bot):
    await send(bot, app_mention_event("C1", CUSTOMER, "where is order 1003?", THREAD))
    answer = await answered(bot)

    values = feedback_values(answer)
    vote = decode_vote(values["negative"])
    head = await bot.service.agent.graph.aget_state({"configurable": {"thread_id": f"slack:T1:C1:{THREAD}"}})
    assert (vote.vote, vote.thread_id) == ("negative", f"slack:T1:C1:{THREAD}")
    assert vote.checkpoint_id == head.config["configurable"]["checkpoint_id"]
    assert decode_vote(values["positive"]).vote == "positive"


async def test_a_top_level_dm_answer_has_feedback_buttons_too(bot):
    await send(bot, message_event("D7", CUSTOMER, "hello", "1700000500.000100", channel_type="im"))
    await bot.idle()
    (answer,) = [m for m in bot.slack.messages("D7") if m.get("bot_id")]
    assert decode_vote(feedback_values(answer)["positive"]).thread_id == "slack:T1:D7"


async def test_a_negative_click_shows_in_stats_json_and_threads_feedback_negative(bot, capsys):
    await send(bot, app_mention_event("C1", CUSTOMER, "where is order 1003?", THREAD))
    answer = await answered(bot)
    values = feedback_values(answer)

    await click(bot, CUSTOMER, values["negative"], message_ts=answer["ts"])
    await click(bot, OUTSIDER, values["positive"], message_ts=answer["ts"])

    thanks = [e for e in bot.slack.ephemerals if e["user"] == CUSTOMER]
    assert [e["text"] for e in thanks] == [say.FEEDBACK_THANKS["negative"]] and thanks[0]["thread_ts"] == THREAD
    settings = settings_for(bot.service.settings.database_url)
    code, out = await cli(capsys, settings, "stats", "--json")
    assert code == 0 and json.loads(out)["feedback"] == {"positive": 1, "negative": 1}
    code, out = await cli(capsys, settings, "threads", "--feedback", "negative", "--json")
    assert code == 0 and [t["thread_id"] for t in json.loads(out)] == [f"slack:T1:C1:{THREAD}"]
    code, out = await cli(capsys, settings, "stats")
    assert "feedback         1 positive, 1 negative" in out


async def test_clicking_again_changes_the_vote_instead_of_adding_one(bot, capsys):
    await send(bot, app_mention_event("C1", CUSTOMER, "where is order 1003?", THREAD))
    values = feedback_values(await answered(bot))

    await click(bot, CUSTOMER, values["negative"])
    await click(bot, CUSTOMER, values["negative"])  # a resent click: still one vote
    await click(bot, CUSTOMER, values["positive"])

    settings = settings_for(bot.service.settings.database_url)
    _, out = await cli(capsys, settings, "stats", "--json")
    assert json.loads(out)["feedback"] == {"positive": 1, "negative": 0}
    _, out = await cli(capsys, settings, "threads", "--feedback", "negative", "--json")
    assert json.loads(out) == []
    assert [e["text"] for e in bot.slack.ephemerals][-1] == say.FEEDBACK_CHANGED


async def test_a_forged_feedback_value_is_refused_and_stores_nothing(bot, capsys):
    await click(bot, CUSTOMER, "negative|x|not-a-thread")

    assert [e["text"] for e in bot.slack.ephemerals] == [say.FEEDBACK_BAD]
    _, out = await cli(capsys, settings_for(bot.service.settings.database_url), "stats", "--json")
    assert json.loads(out)["feedback"] == {"positive": 0, "negative": 0}


async def test_a_streamed_answer_gets_its_feedback_buttons_when_the_stream_stops(database_url, fake_slack, fake_openai):
    from tests.fakes.openai_server import Reply
    from tests.surfaces.conftest import running_bot

    async with running_bot(database_url, fake_slack, fake_openai) as bot:
        bot.openai.queue(Reply(content=" ".join(f"word{n}" for n in range(150))))
        await send(bot, app_mention_event("C1", CUSTOMER, "tell me", THREAD))
        answer = await answered(bot)

    (stop,) = fake_slack.calls_to("chat.stopStream")
    assert fake_slack.calls_to("chat.postMessage") == [] and "word149" in answer["text"]
    assert decode_vote(feedback_values(answer)["negative"]).thread_id == f"slack:T1:C1:{THREAD}"
    assert stop.params["blocks"][0]["type"] == "context_actions"
