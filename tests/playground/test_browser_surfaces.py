"""Slack surfaces on the page (issue 12): feedback buttons, the approver's Home tab, the AI-app thread."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.playground.conftest import open_page, screenshot
from tests.playground.helpers import be, click_and_confirm, go_to, last_bot_message, say

pytestmark = pytest.mark.browser


def test_a_vote_on_an_answer_is_acknowledged_to_the_voter(browser, playground):
    page = open_page(browser, playground.url)
    say(page, "where is order 1001?")
    answer = last_bot_message(page)
    expect(answer).to_contain_text("1001")
    answer.get_by_role("button", name="Good answer").click()
    expect(page.locator("#messages .msg.ephemeral").last).to_contain_text("Thanks for the feedback")
    answer.get_by_role("button", name="Bad answer").click()
    expect(page.locator("#messages .msg.ephemeral").last).to_contain_text("changed your vote")


def test_the_approver_approves_from_the_home_tab_and_the_card_follows(browser, playground):
    page = open_page(browser, playground.url)
    say(page, "please refund order 1002, it never arrived")
    expect(last_bot_message(page)).to_contain_text("approval")
    be(page, "Grace")
    page.locator("[data-home]").click()
    request = page.locator("#home .bk-section", has_text="Refund order 1002")
    expect(request).to_be_visible()
    screenshot(page, "home")
    click_and_confirm(page, page.locator("#home").get_by_role("button", name="Approve").first)
    go_to(page, "# approvals")
    card = page.locator("#messages .msg.bot", has_text="Refund order 1002").last
    expect(card).to_contain_text("Approved by")


def test_an_ai_thread_greets_offers_prompts_and_answers_a_prompt(browser, playground):
    page = open_page(browser, playground.url)
    page.locator("#ai-thread-button").click()
    thread = page.locator("#thread")
    expect(thread).to_contain_text("support assistant")
    prompt = thread.locator(".prompt", has_text="Where is my order?")
    expect(prompt).to_be_visible()
    prompt.click()
    expect(thread.locator(".msg:not(.bot)")).to_have_count(1)  # the prompt, sent as Ada
    expect(thread.locator(".msg.bot")).to_have_count(3)  # the thread, the greeting, the answer
    screenshot(page, "ai-thread")
