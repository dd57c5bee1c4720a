"""supportbot encrypt: encrypt the database in place with SUPPORTBOT_ENCRYPTION_KEY (also after a rotation)."""

from __future__ import annotations

from bot.config import ConfigError
from graph.reseal import reseal
from graph.storage import open_storage

NAME = "encrypt"
HELP = ("encrypt every stored message, payload and checkpoint with SUPPORTBOT_ENCRYPTION_KEY, "
        "in place (stop the bot first; run again after rotating keys)")


def configure(parser) -> None:
    pass


async def run(args, settings) -> int:
    if settings.encryption_keys is None:
        raise ConfigError("SUPPORTBOT_ENCRYPTION_KEY is not set: generate one with python -c 'import secrets,base64;"
                          "print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())'")
    async with open_storage(settings.database_url, pool_size=2, keys=settings.encryption_keys) as storage:
        counts = await reseal(storage)
    print(f"{storage.url.redacted}: encrypted " + ", ".join(f"{n} {table}" for table, n in counts.items()))
    return 0
