"""Message shortcuts: an operator's history modal (checkpoint ids, Rewind to here) and forget;
anyone else is refused ephemerally and sees nothing of the thread."""

from __future__ import annotations

import json

from bot import messages as say
from bot import messages as operator_say
from bot.operators.history_modal import FORGET_SHORTCUT, FORGET_VIEW, HISTORY_SHORTCUT, REWIND_ACTION
from tests.support.slack_requests import (
    app_mention_event,
    message_event,
    message_shortcut_payload,
    view_actions_payload,
    view_submission_payload,
)
from tests.surfaces.conftest import CUSTOMER, OPERATOR, OUTSIDER, interact, send

THREAD = "1700000900.000100"
THREAD_ID = f"slack:T1:C1:{THREAD}"


async def conversation(bot) -> None:
    """Two turns in a channel thread: the second message is a reply inside it."""
    await send(bot, app_mention_event("C1", CUSTOMER, "My name is Ada", THREAD))
    await bot.idle()
    await send(bot, message_event("C1", CUSTOMER, "where is order 1003?", "1700000900.000300", thread_ts=THREAD))
    await bot.idle()


async def shortcut(bot, user: str, callback_id: str, message_ts: str = "1700000900.000300") -> None:
    status, _ = await interact(bot, message_shortcut_payload(user, callback_id, "C1", message_ts, thread_ts=THREAD))
    assert status == 200


def opened(bot) -> list[dict]:
    return [c.params["view"] for c in bot.slack.calls_to("views.open")]


def modal_text(view: dict) -> str:
    return json.dumps(view["blocks"])


def rewind_buttons(view: dict) -> list[str]:
    return [b["accessory"]["value"] for b in view["blocks"]
            if (b.get("accessory") or {}).get("action_id") == REWIND_ACTION]


async def checkpoint_ids(bot) -> list[str]:
    config = {"configurable": {"thread_id": THREAD_ID}}
    return [s.config["configurable"]["checkpoint_id"] async for s in bot.service.agent.graph.aget_state_history(config)]


async def test_an_operators_history_shortcut_opens_the_timeline_and_a_rewind_from_it_works(bot):
    await conversation(bot)
    await shortcut(bot, OPERATOR, HISTORY_SHORTCUT)

    (view,) = opened(bot)
    assert view["type"] == "modal" and view["private_metadata"] == THREAD_ID
    ids = await checkpoint_ids(bot)
    assert all(cid in modal_text(view) for cid in ids)
    assert "Turn 1" in modal_text(view) and "Turn 2" in modal_text(view)
    targets = rewind_buttons(view)
    assert len(targets) == 1 and targets[0] in ids and targets[0] != ids[0]  # turn 1's end; not the head
    button = next(b["accessory"] for b in view["blocks"] if (b.get("accessory") or {}).get("value") == targets[0])
    assert button["confirm"]["confirm"]["text"] == say.HISTORY_CONFIRM_OK

    status, _ = await interact(bot, view_actions_payload(OPERATOR, REWIND_ACTION, targets[0], "b1",
                                                         view_type="modal", view_id="VHIST",
                                                         view={"id": "VHIST", "type": "modal",
                                                               "private_metadata": THREAD_ID}))
    assert status == 200
    (update,) = await bot.slack.await_calls("views.update")
    head = await bot.service.agent.graph.aget_state({"configurable": {"thread_id": THREAD_ID}})
    assert head.parent_config["configurable"]["checkpoint_id"] == targets[0]  # forked at the chosen checkpoint
    assert update.params["view_id"] == "VHIST" and f"Rewound {THREAD_ID} to `{targets[0]}`" in modal_text(
        update.params["view"])
    notices = [m["text"] for m in bot.slack.messages("C1", THREAD) if "Rewound by" in m.get("text", "")]
    assert notices == [f"Rewound by <@{OPERATOR}> to checkpoint `{targets[0]}`. I'll continue this conversation "
                       "from there; what came after it is set aside."]


async def test_an_outsiders_shortcuts_show_nothing_but_an_ephemeral_refusal(bot):
    await conversation(bot)
    await shortcut(bot, OUTSIDER, HISTORY_SHORTCUT)
    await shortcut(bot, OUTSIDER, FORGET_SHORTCUT)

    assert opened(bot) == []
    assert [(e["user"], e["text"], e["thread_ts"]) for e in bot.slack.ephemerals] == [
        (OUTSIDER, say.SHORTCUT_REFUSED, THREAD), (OUTSIDER, say.SHORTCUT_FORGET_REFUSED, THREAD)]


async def test_a_rewind_click_by_a_non_operator_changes_nothing(bot):
    await conversation(bot)
    before = await checkpoint_ids(bot)
    await interact(bot, view_actions_payload(OUTSIDER, REWIND_ACTION, before[-2], "b1", view_type="modal",
                                             view={"id": "VX", "type": "modal", "private_metadata": THREAD_ID}))
    (update,) = await bot.slack.await_calls("views.update")
    assert await checkpoint_ids(bot) == before
    assert "only the bot's operators" in modal_text(update.params["view"])


async def test_the_threads_own_user_forgets_it_from_the_shortcut_after_confirming(bot):
    await conversation(bot)
    await shortcut(bot, CUSTOMER, FORGET_SHORTCUT)

    (view,) = opened(bot)
    assert view["callback_id"] == FORGET_VIEW and view["private_metadata"] == THREAD_ID
    status, body = await interact(bot, view_submission_payload(CUSTOMER, FORGET_VIEW, THREAD_ID, {}))
    assert status == 200 and json.loads(body)["response_action"] == "update"
    assert operator_say.FORGOTTEN.format(thread_id=THREAD_ID) in body
    assert await checkpoint_ids(bot) == []


async def test_a_forged_forget_submission_by_an_outsider_erases_nothing(bot):
    await conversation(bot)
    before = await checkpoint_ids(bot)
    status, body = await interact(bot, view_submission_payload(OUTSIDER, FORGET_VIEW, THREAD_ID, {}))
    assert status == 200 and "You can only erase a conversation you started" in body
    assert await checkpoint_ids(bot) == before
