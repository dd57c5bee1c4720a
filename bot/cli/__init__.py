"""The ``supportbot`` console script.

Each subcommand is a module in this package with ``NAME``, ``HELP``,
``configure(parser)`` and ``run(args, settings) -> int`` (sync or async), so
adding a command touches one new file.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import pkgutil
import sys

from bot.config import ConfigError, load_settings
from bot.logs import setup_logging
from graph.storage import StorageError


def _command_modules():
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            yield importlib.import_module(f"{__name__}.{info.name}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="supportbot", description="A durable Slack support agent.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _command_modules():
        child = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.configure(child)
        child.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        setup_logging(getattr(args, "log_level", None) or settings.supportbot_log_level)
        result = args._module.run(args, settings)
        if inspect.isawaitable(result):
            result = asyncio.run(result)
        return int(result or 0)
    except (ConfigError, StorageError) as exc:
        print(f"supportbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
