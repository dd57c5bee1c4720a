"""Human-readable tables by default, JSON for scripts."""

from __future__ import annotations

import json
import sys
from typing import Iterable, Sequence


def table(rows: Sequence[dict], columns: Sequence[tuple[str, str]], *, empty: str = "(nothing)",
          rule: bool = True) -> str:
    """Left-aligned columns; ``columns`` are (key, header). The last column is not padded.
    ``rule``: a line of dashes under the headers."""
    if not rows:
        return empty
    cells = [[_cell(row.get(key)) for key, _ in columns] for row in rows]
    headers = [header for _, header in columns]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    lines = [_line(headers, widths)] + ([_line(["-" * w for w in widths], widths)] if rule else [])
    lines += [_line(r, widths) for r in cells]
    return "\n".join(lines)


def _line(values: Iterable[str], widths: Sequence[int]) -> str:
    values = list(values)
    padded = [v.ljust(w) for v, w in zip(values[:-1], widths[:-1])] + values[-1:]
    return "  ".join(padded).rstrip()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return " ".join(str(value).split())  # one line per row, whatever the text holds


def print_json(data, stream=None) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str), file=stream or sys.stdout)


def human_bytes(n: int | None) -> str:
    n = int(n or 0)
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)  # pragma: no cover
