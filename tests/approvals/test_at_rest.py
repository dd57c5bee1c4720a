"""Nothing secret at rest, and nothing readable when SUPPORTBOT_ENCRYPTION_KEY is set.

A full conversation (a question, a refund card, an approval) runs through the real
bot; then the whole database (the SQLite file with its WAL, or ``pg_dump``) and the
log are searched for canary values.
"""

from __future__ import annotations

import base64
import logging
import secrets

import pytest

from bot.approvals.card import ACTIONS_BLOCK, APPROVE_ACTION
from graph.storage import StorageError, open_storage
from tests.approvals.conftest import APPROVER, SECRET, running_bot, wait_cards, wait_text
from tests.support.at_rest import at_rest
from tests.support.slack_requests import apost_event, apost_form, app_mention_event, block_actions_payload, event_callback

TOKEN, SIGNING, APP_TOKEN = "xoxb-canary-token-5d1e", "canary-signing-secret-77c2", "xapp-canary-9a0b"
SECRET_WORDS = "Zanzibar-canary-4471"  # in the customer's messages only
THREAD = "700.000001"


def new_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


async def say(bot, text: str, ts: str, secret: str = SECRET) -> None:
    """UADA writes in the thread that starts at 700.000001."""
    thread_ts = None if ts == THREAD else THREAD
    envelope = event_callback(app_mention_event("C1", "UADA", text, ts, thread_ts=thread_ts))
    assert (await apost_event(bot.events_url, secret, envelope))[0] == 200


async def converse(bot, secret: str = SECRET) -> None:
    await say(bot, "my name is Zelda", THREAD, secret)
    await wait_text(bot.slack, "C1", THREAD, "Nice to meet you, Zelda")
    await say(bot, f"refund order 1001: {SECRET_WORDS} arrived broken", "700.000002", secret)
    (card,) = await wait_cards(bot)
    body = block_actions_payload(APPROVER, APPROVE_ACTION, card.interrupt_id, card.channel, card.ts,
                                 thread_ts=card.thread_ts, block_id=ACTIONS_BLOCK)
    assert (await apost_form(bot.events_url, secret, body))[0] == 200
    await wait_text(bot.slack, "C1", THREAD, "Refunded order 1001")
    await say(bot, f"please open a ticket: {SECRET_WORDS} also the box", "700.000003", secret)
    await wait_text(bot.slack, "C1", THREAD, "Ticket #")
    await bot.idle()


async def test_no_token_secret_or_key_reaches_the_database_or_the_log(database_url, fake_slack, caplog):
    caplog.set_level(logging.INFO)
    async with running_bot(database_url, fake_slack, None, slack_bot_token=TOKEN, slack_signing_secret=SIGNING,
                           supportbot_approvers=[APPROVER]) as bot:
        await converse(bot, SIGNING)
    assert {c.token for c in fake_slack.calls} == {TOKEN}  # the token was in use all along
    dump = at_rest(database_url)
    assert SECRET_WORDS.encode() in dump  # without a key, message text is at rest: the scan sees it
    for canary in (TOKEN, SIGNING):
        assert canary.encode() not in dump
        assert canary not in caplog.text
    assert SECRET_WORDS not in caplog.text  # message text is not logged at INFO


async def test_with_a_key_nothing_is_readable_at_rest_and_memory_survives_a_restart(database_url, fake_slack):
    key = new_key()
    async with running_bot(database_url, fake_slack, None, supportbot_approvers=[APPROVER],
                           supportbot_encryption_key=key) as bot:
        await converse(bot)
    dump = at_rest(database_url)
    assert dump  # a real file / dump was read
    for plain in (SECRET_WORDS, "Zelda", "arrived broken", "Ada Lovelace (ada@", '"order_id": 1001'):
        assert plain.encode() not in dump, plain
    assert b"sealed:v1:" in dump and key.encode() not in dump

    # A restart with the key: the thread remembers (the demo model reads the name from its state).
    async with running_bot(database_url, fake_slack, None, supportbot_approvers=[APPROVER],
                           supportbot_encryption_key=key) as bot:
        await say(bot, "what's my name?", "700.000009")
        await wait_text(bot.slack, "C1", THREAD, "Your name is Zelda")


async def test_start_up_refuses_a_missing_or_wrong_key_in_one_line(database_url, fake_slack):
    key = new_key()
    async with open_storage(database_url, pool_size=2, keys=[base64.urlsafe_b64decode(key)]):
        pass
    with pytest.raises(StorageError, match="holds encrypted rows: set SUPPORTBOT_ENCRYPTION_KEY") as missing:
        async with open_storage(database_url, pool_size=2):
            pass
    with pytest.raises(StorageError, match="SUPPORTBOT_ENCRYPTION_KEY does not open") as wrong:
        async with open_storage(database_url, pool_size=2, keys=[secrets.token_bytes(32)]):
            pass
    assert "\n" not in str(missing.value) and "\n" not in str(wrong.value)
    # Rotation: a new key first, the old one still opens what it wrote.
    async with open_storage(database_url, pool_size=2,
                            keys=[secrets.token_bytes(32), base64.urlsafe_b64decode(key)]):
        pass
