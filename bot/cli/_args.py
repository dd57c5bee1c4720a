"""Types for the commands' arguments: a malformed one is refused by the parser, in one line, exit 2.

Kept light (no database or pydantic import): the parser is built for ``--help`` too.
"""

from __future__ import annotations

import argparse
import math
import re
import uuid

from bot import messages as say
from bot.logs import level_name
from bot.threads import thread_id_from

BIGINT = 2**63 - 1  # an id column on both databases
_USER_ID = re.compile(r"^[UW][A-Z0-9]+$")
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f\ud800-\udfff]")


def _refuse(shape: str, text: str) -> argparse.ArgumentTypeError:
    return argparse.ArgumentTypeError(say.CLI_ARG_REFUSED.format(text=text, shape=say.CLI_ARG_SHAPES[shape]))


def _whole(shape: str, text: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise _refuse(shape, text) from None
    if not low <= value <= high:
        raise _refuse(shape, text)
    return value


def item_id(text: str) -> int:
    return _whole("item_id", text, 1, BIGINT)


def count(text: str) -> int:
    """A positive number of rows (a negative LIMIT is an error on PostgreSQL, no limit on SQLite)."""
    return _whole("count", text, 1, BIGINT)


def workers(text: str) -> int:
    return _whole("workers", text, 0, 512)


def port(text: str) -> int:
    return _whole("port", text, 0, 65535)


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _refuse("seconds", text) from None
    if not math.isfinite(value) or value < 0:
        raise _refuse("seconds", text)
    return value


def checkpoint_id(text: str) -> str:
    """LangGraph's checkpoint ids are UUIDs: anything else cannot name one."""
    try:
        uuid.UUID(text.strip())
    except ValueError:
        raise _refuse("checkpoint_id", text) from None
    return text.strip()


def thread_id(text: str) -> str:
    """A full thread id, or a `supportbot chat` thread's short name."""
    value = thread_id_from(text)
    if not text.strip() or value.endswith(":") or _SPACE_OR_CONTROL.search(value):
        raise _refuse("thread_id", text)
    return value


def user_id(text: str) -> str:
    if not _USER_ID.match(text.strip()):
        raise _refuse("user_id", text)
    return text.strip()


def log_level(text: str) -> str:
    try:
        return level_name(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from None
