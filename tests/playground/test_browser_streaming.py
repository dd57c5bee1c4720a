"""The page shows a streamed answer growing (real langchain-openai streaming from the fake
OpenAI server, chat.startStream/appendStream/stopStream into the playground's Web API)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.fakes.openai_server import FakeOpenAI, Reply
from tests.playground.conftest import PlaygroundProcess, open_page, playground_env, screenshot
from tests.playground.helpers import go_to, last_bot_message, say

pytestmark = pytest.mark.browser

LONG = " ".join(f"word{n}" for n in range(300))  # well over one stream flush (256 characters)


@pytest.fixture(scope="module")
def openai():
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture(scope="module")
def playground(tmp_path_factory, openai):
    folder = tmp_path_factory.mktemp("streaming")
    env = playground_env(folder, OPENAI_API_KEY="sk-playground-test", OPENAI_BASE_URL=openai.base_url,
                         SUPPORTBOT_MODEL="gpt-test")
    process = PlaygroundProcess(folder, env).start()
    try:
        yield process
    finally:
        process.stop()


def test_a_mention_is_answered_in_its_thread_and_the_answer_streams_in(browser, playground, openai):
    openai.queue(Reply(content=LONG))
    page = open_page(browser, playground.url)
    go_to(page, "# support")
    say(page, "@supportbot tell me everything")
    root = page.locator("#messages .msg", has_text="tell me everything").last
    expect(root.locator(".replies")).to_contain_text("1 reply")
    root.locator(".replies").click()
    answer = last_bot_message(page, "#thread")
    expect(answer).to_contain_text("word299")
    expect(answer).not_to_have_class("streaming")
    updates = page.evaluate("window.playground.updates.filter(u => u.channel === 'CSUPPORT')")
    ts = answer.get_attribute("data-ts")
    mine = [u for u in updates if u["ts"] == ts]
    assert any(u["streaming"] for u in mine), "the page never drew the answer while it was streaming"
    assert len({u["length"] for u in mine}) > 1, "the answer did not grow on the page"
    assert not mine[-1]["streaming"]
    screenshot(page, "thread")
