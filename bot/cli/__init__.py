"""The ``supportbot`` console script.

Each subcommand is a module in this package with ``NAME``, ``HELP``,
``configure(parser)`` and ``run(args, settings) -> int`` (sync or async), so
adding a command touches one new file. A malformed setting stops only the
commands that read it, unless the module sets ``CHECKS_ALL_SETTINGS = True``
(the long-running ones: every malformed setting stops them at start).

Building the parser must stay cheap: ``--help`` and ``--version`` are what a
newcomer types first, so command modules import LangGraph, LangChain, OpenAI
and the database drivers inside ``run()``, never at their top level (a test
checks it). For the same reason settings are loaded only once a command runs.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys


class CommandError(Exception):
    """A command cannot do what was asked, for a reason the user can act on.

    The entry point prints ``supportbot: <message>`` on stderr and exits with
    ``code``: 1 when the thing asked for is missing or refused, 2 when the
    input or a setting is wrong.
    """

    def __init__(self, message: object, code: int = 1):
        super().__init__(str(message))
        self.code = code


def _command_modules():
    # A directory listing rather than pkgutil, which alone costs `--help` a tenth of its time.
    names = {entry.name.removesuffix(".py") for entry in os.scandir(__path__[0])
             if entry.name.endswith(".py") and not entry.name.startswith("_")}
    for name in sorted(names):
        yield importlib.import_module(f"{__name__}.{name}")


class _Parser(argparse.ArgumentParser):
    """argparse that refuses a bad argument in one line (its usage is one ``--help`` away), exit 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message}; {self.prog} --help says more\n")


class _VersionAction(argparse.Action):
    """``--version``, reading the installed distribution's metadata only when asked."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="print the installed version and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("supportbot")
        except PackageNotFoundError:  # a source tree that was never installed
            found = "unknown (not installed)"
        print(f"supportbot {found}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="supportbot", description="A durable Slack support agent.")
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _command_modules():
        child = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.configure(child)
        child.set_defaults(_module=module)
    return parser


async def execute(args, settings, err=None) -> int:
    """Run the parsed command; a failure the user can act on becomes one stderr line and an exit code."""
    import inspect

    from bot.config import ConfigError
    from graph.storage import StorageError

    err = err or sys.stderr
    try:
        result = args._module.run(args, settings)
        if inspect.isawaitable(result):
            result = await result
        return int(result or 0)
    except CommandError as exc:
        print(f"supportbot: {exc}", file=err)
        return exc.code
    except (ConfigError, StorageError) as exc:
        print(f"supportbot: {exc}", file=err)
        return 2


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    import asyncio

    from bot.config import ConfigError, load_settings
    from bot.logs import setup_logging

    try:
        settings = load_settings()
        if getattr(args._module, "CHECKS_ALL_SETTINGS", False):  # a process that runs for long fails at start
            settings.check()
        setup_logging(getattr(args, "log_level", None) or settings.supportbot_log_level)
        return asyncio.run(execute(args, settings))
    except ConfigError as exc:
        for line in str(exc).splitlines():
            print(f"supportbot: {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
