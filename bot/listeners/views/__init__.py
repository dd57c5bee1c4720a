def register(app, deps) -> None:
    """Nothing on this surface yet."""
