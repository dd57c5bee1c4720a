"""supportbot settings: every setting with its default and what it does; `.env.example` is this output."""

from __future__ import annotations

NAME = "settings"
HELP = "print every setting with its default and meaning, as .env.example (supportbot settings > .env)"


def configure(parser) -> None:
    pass


def run(args, settings) -> int:
    print(example(), end="")
    return 0


def example() -> str:
    from bot import messages as say
    from bot.config import Settings

    lines = [f"# {line}" for line in say.SETTINGS_HEADER.splitlines()]
    for name, field in Settings.model_fields.items():
        explanation = say.SETTING_HELP.get(name) or field.description
        if not explanation:
            raise LookupError(f"setting {name} has no explanation: add it to SETTING_HELP in bot/messages.py")
        lines += ["", f"# {explanation}", f"# {name.upper()}={env_value(field.default)}"]
    return "\n".join(lines) + "\n"


def env_value(default) -> str:
    """A default as the environment spells it."""
    if default is None:
        return ""
    if isinstance(default, bool):
        return str(default).lower()
    if isinstance(default, (list, tuple)):
        return ",".join(map(str, default))
    return str(default)
