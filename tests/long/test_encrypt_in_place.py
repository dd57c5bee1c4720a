"""supportbot encrypt: a database written without a key is encrypted in place, and still works."""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import sqlite3

from bot.cli import main
from bot.config import load_settings
from bot.agent import open_agent
from graph.agent import human_message
from tests.support.at_rest import at_rest
from tests.support.fixtures import database_fixture

THREAD = {"configurable": {"thread_id": "slack:T1:C1:800.000001"}}
CANARY = "Quetzal-canary-2290"

database_url = database_fixture("sqlite", "postgres")  # memory:// keeps nothing at rest


async def test_encrypt_seals_an_existing_database_and_memory_survives(database_url, monkeypatch, capsys):
    async with open_agent(load_settings(database_url=database_url)) as agent:
        await agent.graph.ainvoke({"messages": [human_message("my name is Zelda")]}, THREAD)
        await agent.graph.ainvoke({"messages": [human_message(f"refund order 1001, {CANARY}")]}, THREAD)
        await agent.graph.ainvoke({"messages": [human_message(f"open a ticket: {CANARY}")]},
                                  {"configurable": {"thread_id": "slack:T1:C1:800.000002"}})
    assert CANARY.encode() in at_rest(database_url) and b"Zelda" in at_rest(database_url)

    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    for name in [n for n in os.environ if n.startswith(("SUPPORTBOT_", "DATABASE_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SUPPORTBOT_ENCRYPTION_KEY", key)
    assert await _main(["encrypt"]) == 0
    assert "encrypted" in capsys.readouterr().out
    if database_url.startswith("sqlite"):
        sqlite3.connect(database_url[len("sqlite:///"):]).execute("VACUUM")  # old pages hold the plaintext
    dump = at_rest(database_url)
    assert CANARY.encode() not in dump and b"Zelda" not in dump

    async with open_agent(load_settings(database_url=database_url, supportbot_encryption_key=key)) as agent:
        state = await agent.graph.aget_state(THREAD)
        assert state.values["customer_name"] == "Zelda"
        assert [i.value["tool"] for i in state.interrupts] == ["refund_order"]
        assert CANARY in state.values["messages"][-2].content


async def _main(argv):
    return await asyncio.to_thread(main, argv)
