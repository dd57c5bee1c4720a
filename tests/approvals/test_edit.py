"""Edit…: a modal with the request's arguments; submitting it approves the edited ones."""

from __future__ import annotations

import json

from bot.approvals.card import EDIT_ACTION
from bot.approvals.edit import ARG_BLOCK, EDIT_VIEW, NOTE_BLOCK
from tests.approvals.conftest import (
    APPROVER,
    OUTSIDER,
    ask,
    audit,
    card_updates,
    click,
    order_state,
    row,
    submit_edit,
    wait_cards,
    wait_text,
)

THREAD = "400.000001"


async def open_modal(bot, card, user=APPROVER) -> dict:
    assert await click(bot, card, user, EDIT_ACTION) == 200
    (opened,) = await bot.slack.await_calls("views.open")
    assert opened.params["trigger_id"] == "tr1"
    return opened.params["view"]


async def test_edit_opens_a_modal_with_the_arguments_and_submitting_approves_the_edited_ones(bot):
    await ask(bot, "refund order 1001, it arrived broken", THREAD)
    (card,) = await wait_cards(bot)

    view = await open_modal(bot, card)
    assert view["callback_id"] == EDIT_VIEW and view["private_metadata"] == card.interrupt_id
    inputs = {b["block_id"]: b["element"].get("initial_value") for b in view["blocks"] if b["type"] == "input"}
    assert inputs == {ARG_BLOCK + "order_id": "1001", ARG_BLOCK + "reason": "refund order 1001, it arrived broken",
                      NOTE_BLOCK: None}
    assert (await row(bot, card))["status"] == "pending"  # opening the modal decides nothing

    status, body = await submit_edit(bot, APPROVER, view, {
        ARG_BLOCK + "order_id": "1002", ARG_BLOCK + "reason": "customer meant the hub", NOTE_BLOCK: "checked by phone"})
    assert (status, body) == (200, "")  # an empty 200 closes the modal
    await wait_text(bot.slack, "C1", THREAD, "Refunded order 1002: $49.00")
    await bot.idle()

    assert await order_state(bot, 1002) == ("refunded", 1)
    assert await order_state(bot, 1001) == ("delivered", 0)
    decided = await row(bot, card)
    assert decided["status"] == "approved" and decided["note"] == "checked by phone"
    assert json.loads(decided["edited_args"]) == {"order_id": 1002, "reason": "customer meant the hub"}
    refund = await bot.service.agent.storage.db.fetchone("shop_refund_for_order", {"order_id": 1002})
    assert refund["reason"] == "customer meant the hub"
    (update,) = card_updates(bot.slack, card)
    assert update["text"].startswith(f"Approved with changes by <@{APPROVER}>")
    assert "`order_id`: 1002" in json.dumps(update["blocks"])
    approved = [a for a in await audit(bot, card) if a["action"] == "approval_approved"]
    assert approved[0]["args"] == {"order_id": 1002, "reason": "customer meant the hub"}
    assert json.loads(approved[0]["detail"])["original_args"]["order_id"] == 1001


async def test_an_invalid_edit_is_shown_in_the_modal_and_decides_nothing(bot):
    await ask(bot, "refund order 1001 please", THREAD)
    (card,) = await wait_cards(bot)
    view = await open_modal(bot, card)

    status, body = await submit_edit(bot, APPROVER, view, {ARG_BLOCK + "order_id": "not a number",
                                                           ARG_BLOCK + "reason": "x"})
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "errors" and list(answer["errors"]) == [ARG_BLOCK + "order_id"]
    await bot.idle()
    assert (await row(bot, card))["status"] == "pending"
    assert await order_state(bot, 1001) == ("delivered", 0)


async def test_an_outsider_cannot_open_or_submit_the_edit_modal(bot):
    await ask(bot, "refund order 1001 please", THREAD)
    (card,) = await wait_cards(bot)
    view = await open_modal(bot, card)  # an approver opened it ...

    status, body = await submit_edit(bot, OUTSIDER, view, {ARG_BLOCK + "order_id": "1004",  # ... someone else submits
                                                           ARG_BLOCK + "reason": "mine"})
    assert status == 200 and json.loads(body)["response_action"] == "errors"
    assert await click(bot, card, OUTSIDER, EDIT_ACTION) == 200
    await bot.idle()
    assert len(bot.slack.calls_to("views.open")) == 1
    assert (await row(bot, card))["status"] == "pending"
    assert await order_state(bot, 1004) == ("delivered", 0)


async def test_an_edit_with_nul_characters_is_stored_and_executed_without_them(bot):
    # PostgreSQL's text and jsonb refuse NUL: unscrubbed, the resume failed after "Approved with changes".
    await ask(bot, "refund order 1001, it arrived broken", THREAD)
    (card,) = await wait_cards(bot)
    view = await open_modal(bot, card)

    status, _ = await submit_edit(bot, APPROVER, view, {
        ARG_BLOCK + "order_id": "1002\x00", ARG_BLOCK + "reason": "box\x00 crushed", NOTE_BLOCK: "by\x00 phone"})
    assert status == 200
    await wait_text(bot.slack, "C1", THREAD, "Refunded order 1002")
    await bot.idle()
    assert await order_state(bot, 1002) == ("refunded", 1)
    refund = await bot.service.agent.storage.db.fetchone("shop_refund_for_order", {"order_id": 1002})
    assert refund["reason"] == "box crushed"
    assert (await row(bot, card))["note"] == "by phone"
