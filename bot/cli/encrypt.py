"""supportbot encrypt: encrypt the database in place with SUPPORTBOT_ENCRYPTION_KEY (also after a rotation)."""

from __future__ import annotations

from bot import messages as say
from bot.cli import CommandError

NAME = "encrypt"
HELP = ("encrypt every stored message, payload and checkpoint with SUPPORTBOT_ENCRYPTION_KEY, "
        "in place (stop the bot first; run again after rotating keys)")


def configure(parser) -> None:
    pass


async def run(args, settings) -> int:
    from graph.reseal import reseal
    from graph.storage import open_storage

    if settings.encryption_keys is None:
        raise CommandError(say.CLI_ENCRYPT_NO_KEY, code=2)
    async with open_storage(settings.database_url, pool_size=2, keys=settings.encryption_keys) as storage:
        counts = await reseal(storage)
    print(say.CLI_ENCRYPTED.format(database=storage.url.redacted,
                                   counts=", ".join(f"{n} {table}" for table, n in counts.items())))
    return 0
