"""The playground in chromium on the offline demo model: talking, approving, editing,
the Home tab, an operator's timeline and rewind, and a restart that forgets nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.playground.conftest import open_page, screenshot
from tests.playground.helpers import be, click_and_confirm, go_to, last_bot_message, say

pytestmark = pytest.mark.browser


def test_a_dm_message_is_answered_by_the_bot(browser, playground):
    page = open_page(browser, playground.url)
    expect(page.locator("#title")).to_contain_text("supportbot")
    say(page, "my name is Ada")
    expect(last_bot_message(page)).to_contain_text("Ada")
    say(page, "where is order 1002?")
    expect(last_bot_message(page)).to_contain_text("1002")
    expect(last_bot_message(page)).to_contain_text("shipped")
    screenshot(page, "dm")


def test_shift_enter_is_a_new_line_not_a_send(browser, playground):
    page = open_page(browser, playground.url)
    box = page.locator("#message")
    box.fill("first line")
    box.press("Shift+Enter")
    box.type("second line")
    expect(box).to_have_value("first line\nsecond line")
    box.fill("")


def test_refund_is_approved_by_the_approver_and_the_card_and_the_customer_are_told(browser, playground):
    page = open_page(browser, playground.url)
    say(page, "please refund order 1001, it arrived broken")
    expect(last_bot_message(page)).to_contain_text("approval")
    be(page, "Grace")
    go_to(page, "# approvals")
    card = page.locator("#messages .msg.bot", has_text="Refund order 1001").last
    expect(card.get_by_role("button", name="Approve")).to_be_visible()
    screenshot(page, "approval-card")
    click_and_confirm(page, card.get_by_role("button", name="Approve"))
    expect(card).to_contain_text("Approved by")
    expect(card).to_contain_text("Grace Hopper")
    expect(card.get_by_role("button", name="Approve")).to_have_count(0)
    be(page, "Ada")
    go_to(page, "💬 supportbot")
    expect(last_bot_message(page)).to_contain_text("refund", ignore_case=True)
    expect(last_bot_message(page)).to_contain_text("1001")


def test_the_edit_modal_submits_changed_arguments(browser, playground):
    page = open_page(browser, playground.url)
    say(page, "please refund order 1002, it never arrived")
    expect(last_bot_message(page)).to_contain_text("approval")
    be(page, "Grace")
    go_to(page, "# approvals")
    card = page.locator("#messages .msg.bot", has_text="Refund order 1002").last
    card.get_by_role("button", name="Edit…").click()
    modal = page.locator("#modal")
    expect(modal).to_be_visible()
    expect(page.locator("#modal-title")).to_contain_text("Edit and approve")
    reason = modal.locator('[data-block-id="approval_arg:reason"] textarea, [data-block-id="approval_arg:reason"] input')
    reason.fill("carrier lost the parcel")
    screenshot(page, "edit-modal")
    modal.locator("#modal-submit").click()
    expect(page.locator("#modal-backdrop")).to_be_hidden()
    expect(card).to_contain_text("Approved with changes")
    expect(card).to_contain_text("carrier lost the parcel")


def test_a_modal_refuses_bad_input_and_keeps_it(browser, playground):
    page = open_page(browser, playground.url, user="UALAN")
    say(page, "please cancel order 1003")
    expect(last_bot_message(page)).to_contain_text("approval")
    be(page, "Grace")
    go_to(page, "# approvals")
    card = page.locator("#messages .msg.bot", has_text="Cancel order 1003").last
    card.get_by_role("button", name="Edit…").click()
    order = page.locator('#modal [data-block-id="approval_arg:order_id"] input')
    order.fill("not a number")
    page.locator("#modal-submit").click()
    expect(page.locator('#modal [data-block-id="approval_arg:order_id"] .bk-error')).to_be_visible()
    expect(order).to_have_value("not a number")
    page.locator("#modal-close").click()
    expect(page.locator("#modal-backdrop")).to_be_hidden()
    card.get_by_role("button", name="Reject").click()
    expect(card).to_contain_text("Rejected by")


def test_home_tab_opens_for_the_approver(browser, playground):
    page = open_page(browser, playground.url, user="UGRACE")
    page.locator("[data-home]").click()
    expect(page.locator("#title")).to_contain_text("Home")
    home = page.locator("#home")
    expect(home).to_be_visible()
    # Until the app publishes a Home view the tab says so instead of staying blank.
    expect(home.locator(".view, .empty")).to_have_count(1)
    screenshot(page, "home")


def test_operator_opens_a_thread_timeline_and_rewinds(browser, playground):
    page = open_page(browser, playground.url, user="UGRACE")
    go_to(page, "# support")
    say(page, "@supportbot my name is Grace")
    root = page.locator("#messages .msg", has_text="my name is Grace").last
    root.locator("[data-open-thread]").click()
    expect(last_bot_message(page, "#thread")).to_contain_text("Grace")
    say(page, "what is my name?", box="#thread-message")
    expect(page.locator("#thread .msg.bot")).to_have_count(2)
    page.locator("#thread-timeline").click()
    steps = page.locator("#steps tbody tr")
    expect(steps.first).to_be_visible()
    count = steps.count()
    # The first turn's end (newest first: the oldest row whose last message is that answer).
    first_answer = page.locator("#steps tbody tr", has_text="Nice to meet you").last
    expect(first_answer).to_contain_text("agent")
    first_answer.click()
    expect(page.locator("#checkpoint-state")).to_contain_text("Nice to meet you, Grace")
    expect(page.locator("#checkpoint-state")).not_to_contain_text("what is my name?")
    screenshot(page, "timeline")
    page.locator("#rewind").click()
    page.locator("#confirm").get_by_role("button", name="Rewind").click()
    expect(page.locator("#timeline-status")).to_contain_text("Rewound to")
    expect(steps).to_have_count(count + 1)
    expect(page.locator("#steps tbody tr.aside").first).to_be_visible()


def test_an_outsider_sees_no_timeline(browser, playground):
    page = open_page(browser, playground.url, user="UALAN")
    page.locator("#timeline-button").click()
    expect(page.locator("#timeline-error")).to_contain_text("Only operators")


def test_after_a_restart_the_conversation_is_still_there_and_remembered(browser, playground):
    playground.restart()
    page = open_page(browser, playground.url)
    expect(page.locator("#messages")).to_contain_text("where is order 1002?")
    say(page, "what is my name?")
    expect(last_bot_message(page)).to_contain_text("Your name is Ada")
