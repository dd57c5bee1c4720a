"""The shop's database as a replay sees it: reads pass through, writes are refused.

A replay re-runs the agent with today's model and tools; a tool that would
change the shop (a ticket, a refund) gets an error result instead, so nothing
a replay does can reach the real data. Refunds and cancellations never get
that far: they pause for approval, and a replay never resumes a pause.
"""

from __future__ import annotations

import re
from contextlib import asynccontextmanager

from graph.shop import ShopError

REFUSED = "not carried out: this is a replay, which never changes the shop"
_LEADING_COMMENTS = re.compile(r"^(\s*--[^\n]*\n)*\s*")


def is_read(query: str) -> bool:
    body = _LEADING_COMMENTS.sub("", query).lstrip("(").upper()
    return body.startswith("SELECT") and not re.search(r"\b(INSERT|UPDATE|DELETE|REPLACE)\b", body)


class ReadOnlyDatabase:
    def __init__(self, db) -> None:
        self.db = db
        self.dialect = db.dialect
        self.refused: list[str] = []  # names of the write queries a replay asked for

    def _check(self, name: str) -> None:
        if not is_read(self.db.q(name)):
            self.refused.append(name)
            raise ShopError(REFUSED)

    async def execute(self, query: str, params: dict | None = None) -> int:
        self._check(query)
        return await self.db.execute(query, params)

    async def fetchone(self, query: str, params: dict | None = None):
        self._check(query)
        return await self.db.fetchone(query, params)

    async def fetchall(self, query: str, params: dict | None = None):
        self._check(query)
        return await self.db.fetchall(query, params)

    @asynccontextmanager
    async def transaction(self):
        async with self.db.transaction() as tx:
            yield _ReadOnlyTx(self, tx)

    def q(self, name: str) -> str:
        return self.db.q(name)


class _ReadOnlyTx:
    def __init__(self, owner: ReadOnlyDatabase, tx) -> None:
        self.owner, self.tx = owner, tx

    async def execute(self, query: str, params: dict | None = None) -> int:
        self.owner._check(query)
        return await self.tx.execute(query, params)

    async def fetchone(self, query: str, params: dict | None = None):
        self.owner._check(query)
        return await self.tx.fetchone(query, params)

    async def fetchall(self, query: str, params: dict | None = None):
        self.owner._check(query)
        return await self.tx.fetchall(query, params)
