from bot.home.publish import publish_home


async def handle_app_home_opened(deps, event: dict) -> None:
    """The Home tab opened (not the Messages tab): draw it for this user."""
    if event.get("tab", "home") == "home" and event.get("user"):
        await publish_home(deps, event["user"])
