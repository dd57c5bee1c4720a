"""supportbot settings: every setting with its default and what it does; `.env.example` is this output."""

from __future__ import annotations

from bot import messages as say

NAME = "settings"
HELP = "print every setting with its default and meaning, as .env.example (supportbot settings > .env)"


def configure(parser) -> None:
    parser.add_argument("--check", action="store_true",
                        help="check the settings of this environment (and .env) instead: one line per malformed one, exit 2")


def run(args, settings) -> int:
    if args.check:
        settings.check()  # raises ConfigError: one line per malformed setting
        print(say.CLI_SETTINGS_OK)
        return 0
    print(example(), end="")
    return 0


def example() -> str:
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
