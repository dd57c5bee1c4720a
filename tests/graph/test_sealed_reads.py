"""With a key, a sealed column reads back as its plaintext on every connection a query may take:
SQLite's plain reads run on a reader connection of their own, beside the writer."""

from __future__ import annotations

import secrets

from graph.storage import open_storage
from tests.support.at_rest import at_rest
from tests.support.fixtures import database_fixture

database_url = database_fixture("sqlite", "postgres")
REASON = "Quokka-reason-5521"


async def test_a_sealed_column_reads_back_in_the_clear_on_every_connection(database_url):
    async with open_storage(database_url, pool_size=2, keys=[secrets.token_bytes(32)]) as storage:
        await storage.db.fetchone("approval_create", {
            "interrupt_id": "int-1", "thread_id": "slack:T1:C1:1.0", "tool": "refund_order",
            "args": '{"order_id": 1001}', "requester": "U1", "reason": REASON, "summary": "Refund order 1001",
            "thread_link": None, "now": 1.0, "expires_at": None, "customer": '{"email": "ada@example.com"}'})
        row = await storage.db.fetchone("approval_get", {"interrupt_id": "int-1"})
        async with storage.db.transaction() as tx:
            (in_tx,) = await tx.fetchall("approval_get", {"interrupt_id": "int-1"})
    assert row["reason"] == in_tx["reason"] == REASON
    assert row["customer"] == '{"email": "ada@example.com"}'
    assert REASON.encode() not in at_rest(database_url)
