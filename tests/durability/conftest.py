"""Durability tests drive `supportbot serve` subprocesses against the fake Slack and
fake OpenAI (both in this process, on their own threads) and a real database."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Callable

import pytest

from tests.durability.botproc import SECRET, BotProcess, bot_env, open_items
from tests.support.slack_requests import apost_event, event_callback, message_event
from tests.support.fixtures import database_fixture


database_url = database_fixture("sqlite", "postgres")


class Bots:
    """Makes bot processes wired to this test's fakes; kills what is left at the end."""

    def __init__(self, workdir, fake_slack, fake_openai) -> None:
        self.workdir, self.fake_slack, self.fake_openai = workdir, fake_slack, fake_openai
        self.made: list[BotProcess] = []

    def new(self, database_url: str, name: str = "bot", **env) -> BotProcess:
        bot = BotProcess(bot_env(database_url, self.fake_slack.api_url, self.fake_openai.base_url, **env),
                         self.workdir, name=f"{name}{len(self.made)}")
        self.made.append(bot)
        return bot

    def start(self, database_url: str, name: str = "bot", **env) -> BotProcess:
        return self.new(database_url, name, **env).start()

    def start_together(self, database_url: str, names: tuple[str, ...], **env) -> list[BotProcess]:
        """Bots launched at once (as a deploy starts them: they migrate concurrently), each healthy."""
        made = [self.new(database_url, name, **env).launch() for name in names]
        for bot in made:
            bot.wait_healthy()
        return made

    def cleanup(self) -> None:
        for bot in self.made:
            bot.kill()
            print(f"==== {bot.name} log tail\n{bot.log_tail(3000)}")


@pytest.fixture
def kill_after_post() -> dict[str, str]:
    """Environment for ``BotProcess.start`` that arms the outbox's after-send fault point
    (tests/durability/hooks/kill_after_post/sitecustomize.py); a later start without it is unarmed."""
    hooks = str(Path(__file__).parent / "hooks" / "kill_after_post")
    return {"PYTHONPATH": os.pathsep.join(p for p in (hooks, os.environ.get("PYTHONPATH")) if p)}


@pytest.fixture
def bots(tmp_path, fake_slack, fake_openai):
    made = Bots(tmp_path, fake_slack, fake_openai)
    try:
        yield made
    finally:
        made.cleanup()


async def wait_for(predicate: Callable[[], object], timeout: float, what: str, every: float = 0.05):
    """Poll ``predicate`` (sync) until truthy; fail naming ``what`` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for: {what}")
        await asyncio.sleep(every)


async def settled(database_url: str, timeout: float = 30) -> None:
    """Every stored delivery handled (done or failed): nothing more will be posted for it."""
    await wait_for(lambda: open_items(database_url) == 0, timeout, "inbox has no open items")


async def deliver(bot: BotProcess, event: dict, **kwargs) -> int:
    envelope = kwargs.pop("envelope", None) or event_callback(event)
    status, _ = await apost_event(bot.events_url, SECRET, envelope, **kwargs)
    return status


def mention(text: str, ts: str, channel: str = "C1", user: str = "U1") -> dict:
    """A top-level channel message that mentions the bot: it starts (and joins) thread ``ts``."""
    return message_event(channel, user, f"<@UBOT> {text}", ts)


def reply(text: str, ts: str, thread_ts: str, channel: str = "C1", user: str = "U1") -> dict:
    return message_event(channel, user, text, ts, thread_ts=thread_ts)


CREATING = ("chat.postMessage", "chat.startStream")  # the calls that add a message to a thread


def posts_in(fake_slack, thread_ts: str, channel: str = "C1") -> list:
    """The bot's successful calls that created a message in one thread, in order."""
    return [c for method in CREATING for c in fake_slack.calls_to(method)
            if c.ok and c.params.get("channel") == channel and c.params.get("thread_ts") == thread_ts]


def answers(fake_slack, thread_ts: str, channel: str = "C1") -> list[str]:
    """The texts of the bot's messages in one thread as Slack shows them now (posted
    whole or streamed), checked against the calls that created them, so a
    duplicate deleted afterwards would still count."""
    texts = [m.get("text", "") for m in fake_slack.messages(channel, thread_ts)
             if m.get("bot_id") and m["ts"] != thread_ts]
    assert len(texts) == len(posts_in(fake_slack, thread_ts, channel)), "a posted message was removed again"
    return texts


def new_user_texts(request: dict) -> list[str]:
    """The user messages a model request carries after the last assistant message:
    what this run gives the model for the first time."""
    from tests.fakes.openai_server import message_text

    messages = request.get("messages") or []
    last_ai = max((n for n, m in enumerate(messages) if m.get("role") == "assistant"), default=-1)
    return [message_text(m.get("content")) for m in messages[last_ai + 1:] if m.get("role") == "user"]
