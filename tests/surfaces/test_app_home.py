"""The Home tab: an approver decides from it (through the same decide-once path as the card),
an operator sees the threads that need a look, everyone sees their own conversations."""

from __future__ import annotations

from bot import messages as say
from bot.home.view import HOME_APPROVE_ACTION, HOME_REJECT_ACTION
from bot.feedback.blocks import FEEDBACK_ACTION, FEEDBACK_BLOCK, encode_vote
from tests.approvals.conftest import card_updates, order_state, wait_cards, wait_text
from tests.support.slack_requests import app_mention_event, block_actions_payload, view_actions_payload
from tests.surfaces.conftest import APPROVER, CUSTOMER, OPERATOR, OUTSIDER, interact, send

THREAD = "1700000600.000100"


async def open_home(bot, user: str) -> dict:
    """Open the user's Home tab; returns the view Slack was given."""
    before = len(bot.slack.calls_to("views.publish"))
    await send(bot, {"type": "app_home_opened", "user": user, "channel": "D" + user, "tab": "home",
                     "event_ts": "1700000999.000100"})
    calls = bot.slack.calls_to("views.publish")
    assert len(calls) == before + 1 and calls[-1].params["user_id"] == user and calls[-1].ok
    return calls[-1].params["view"]


def buttons(view: dict) -> list[dict]:
    return [{**e, "block_id": b.get("block_id")} for b in view["blocks"] if b["type"] == "actions"
            for e in b["elements"]]


def text_of(view: dict) -> str:
    parts = []
    for block in view["blocks"]:
        parts.append((block.get("text") or {}).get("text", ""))
        parts += [e.get("text", "") for e in block.get("elements", []) if isinstance(e.get("text"), str)]
    return "\n".join(parts)


async def ask_refund(bot, user: str = CUSTOMER, thread: str = THREAD):
    await send(bot, app_mention_event("C1", user, "refund order 1001 please, it arrived broken", thread))
    (card,) = await wait_cards(bot)
    return card


async def test_an_approvers_home_lists_the_pending_refund_and_approve_there_resumes_the_thread_once(bot):
    card = await ask_refund(bot)

    view = await open_home(bot, APPROVER)
    assert view["type"] == "home" and "Refund order 1001 ($129.00)" in text_of(view)
    approve = next(b for b in buttons(view) if b["action_id"] == HOME_APPROVE_ACTION)
    assert approve["value"] == card.interrupt_id

    assert await interact(bot, view_actions_payload(APPROVER, HOME_APPROVE_ACTION, approve["value"],
                                                    approve["block_id"])) == (200, "")
    await wait_text(bot.slack, "C1", THREAD, "Refunded order 1001: $129.00")
    await bot.slack.await_until(lambda: len(bot.slack.calls_to("views.publish")) >= 2)
    await bot.idle()
    assert await order_state(bot, 1001) == ("refunded", 1)
    (update,) = card_updates(bot.slack, card)  # the card in the thread says so too
    assert update["text"].startswith(f"Approved by <@{APPROVER}>")
    refreshed = bot.slack.calls_to("views.publish")[-1].params
    assert refreshed["user_id"] == APPROVER and buttons(refreshed["view"]) == []
    assert say.HOME_NO_APPROVALS in text_of(refreshed["view"])

    # A second click (a stale Home) decides nothing and refunds nothing more.
    await interact(bot, view_actions_payload(APPROVER, HOME_APPROVE_ACTION, approve["value"], approve["block_id"]))
    await bot.idle()
    assert await order_state(bot, 1001) == ("refunded", 1)
    assert len(card_updates(bot.slack, card)) == 1


async def test_reject_from_home_rejects_and_refunds_nothing(bot):
    card = await ask_refund(bot)
    view = await open_home(bot, APPROVER)
    reject = next(b for b in buttons(view) if b["action_id"] == HOME_REJECT_ACTION)

    await interact(bot, view_actions_payload(APPROVER, HOME_REJECT_ACTION, reject["value"], reject["block_id"]))
    await wait_text(bot.slack, "C1", THREAD, "not approved")
    await bot.idle()
    assert await order_state(bot, 1001) == ("delivered", 0)
    assert card_updates(bot.slack, card)[0]["text"].startswith(f"Rejected by <@{APPROVER}>")


async def test_an_outsiders_and_the_requesters_home_have_no_approve_button(bot):
    await ask_refund(bot)

    for user in (OUTSIDER, CUSTOMER, OPERATOR):
        view = await open_home(bot, user)
        assert buttons(view) == [] and "Refund order 1001" not in text_of(view)
        assert say.HOME_APPROVALS not in text_of(view)


async def test_an_approver_sees_their_own_request_without_buttons(bot):
    await ask_refund(bot, user=APPROVER)

    view = await open_home(bot, APPROVER)
    assert "Refund order 1001" in text_of(view) and say.HOME_OWN_REQUEST in text_of(view)
    assert buttons(view) == []


async def test_an_operators_home_lists_waiting_and_negatively_rated_threads_with_links(bot):
    await ask_refund(bot)  # waiting for approval
    await send(bot, app_mention_event("C1", OUTSIDER, "where is order 1003?", "1700000700.000100"))
    await bot.idle()
    vote = encode_vote("negative", "cp1", "slack:T1:C1:1700000700.000100")
    await interact(bot, block_actions_payload(OUTSIDER, FEEDBACK_ACTION, vote, "C1", "1", block_id=FEEDBACK_BLOCK))

    text = text_of(await open_home(bot, OPERATOR))
    assert say.HOME_OPERATOR in text
    assert f"|slack:T1:C1:{THREAD}> — waiting for approval" in text
    assert "|slack:T1:C1:1700000700.000100> — negative feedback" in text
    assert "https://test.slack.com/archives/C1/p1700000600000100" in text
    assert say.HOME_OPERATOR not in text_of(await open_home(bot, OUTSIDER))


async def test_everyones_home_lists_their_own_conversations_and_what_the_bot_does(bot):
    await send(bot, app_mention_event("C1", OUTSIDER, "hello", "1700000800.000100"))
    await bot.idle()

    mine = text_of(await open_home(bot, OUTSIDER))
    assert say.HOME_ABOUT in mine and "slack:T1:C1:1700000800.000100" in mine
    assert say.HOME_MINE_NONE in text_of(await open_home(bot, CUSTOMER))


async def test_a_home_click_from_elsewhere_or_by_an_outsider_decides_nothing(bot):
    card = await ask_refund(bot)
    view = await open_home(bot, APPROVER)
    approve = next(b for b in buttons(view) if b["action_id"] == HOME_APPROVE_ACTION)

    # The value moved into another block, or sent from a modal instead of the Home tab.
    await interact(bot, view_actions_payload(APPROVER, HOME_APPROVE_ACTION, approve["value"], "home_approval_999"))
    await interact(bot, view_actions_payload(APPROVER, HOME_APPROVE_ACTION, approve["value"], approve["block_id"],
                                             view_type="modal"))
    # Someone who may not approve, even with the right block.
    await interact(bot, view_actions_payload(OUTSIDER, HOME_APPROVE_ACTION, approve["value"], approve["block_id"]))
    await bot.idle()

    assert await order_state(bot, 1001) == ("delivered", 0)
    assert card_updates(bot.slack, card) == []
    row = await bot.service.agent.storage.db.fetchone("approval_get", {"interrupt_id": card.interrupt_id})
    assert row["status"] == "pending"
