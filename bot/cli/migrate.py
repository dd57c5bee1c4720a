"""supportbot migrate: create or upgrade our tables and LangGraph's checkpoint tables."""

NAME = "migrate"
HELP = "apply database migrations (idempotent; the Procfile's release step)"


def configure(parser) -> None:
    pass


async def run(args, settings) -> int:
    from graph.storage import open_storage

    async with open_storage(settings.database_url, pool_size=2, migrate=False,
                            keys=settings.encryption_keys) as storage:
        applied = await storage.db.migrate()
        setup = getattr(storage.checkpointer, "setup", None)
        if setup is not None:
            await setup()
        print(f"{storage.url.redacted}: applied {applied or 'nothing (up to date)'}")
    return 0
