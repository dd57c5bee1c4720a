"""The playground workspace's messages and Home views, kept in the bot's own database."""

from __future__ import annotations

import json
import time


class WorkspaceStore:
    def __init__(self, db) -> None:
        self.db = db

    async def save_message(self, channel: str, message: dict) -> None:
        await self.db.execute("playground_message_save", {
            "channel_id": channel, "ts": message["ts"], "body": json.dumps(message), "now": time.time()})

    async def delete_message(self, channel: str, ts: str) -> None:
        await self.db.execute("playground_message_delete", {"channel_id": channel, "ts": ts})

    async def save_home(self, user: str, view: dict) -> None:
        await self.db.execute("playground_home_save", {"user_id": user, "body": json.dumps(view), "now": time.time()})

    async def load(self) -> tuple[list[tuple[str, dict]], list[tuple[str, dict]]]:
        messages = [(r["channel_id"], json.loads(r["body"])) for r in await self.db.fetchall("playground_messages_all")]
        homes = [(r["user_id"], json.loads(r["body"])) for r in await self.db.fetchall("playground_homes_all")]
        for _, message in messages:
            message.pop("_streaming", None)  # a stream cut by the restart is over
        return messages, homes
