"""How long `supportbot --help` and `--version` take: what a newcomer waits for first.

Each run is a new process, as typed in a shell: the installed console script,
or, with ``--source DIR``, the same entry point (``bot.cli.main``) imported from
another checkout of the code (``git archive REV | tar -x -C DIR``) through this
virtualenv's Python, to compare with an earlier revision. The baseline is the
bare interpreter (``python -c pass``), which no change here can make faster.
Figures: median over ``--runs`` runs, min-max in brackets, in seconds: wall
time, and the CPU time (user + system) the process used, which a loaded
machine (other processes on the same cores) inflates far less.

    .venv/bin/python bench/cli_startup.py --runs 21
    git archive aa53ccb | tar -x -C /tmp/before && .venv/bin/python bench/cli_startup.py --source /tmp/before
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ENTRY = "import sys; from bot.cli import main; sys.exit(main())"


def command(source: Path | None, *argv: str) -> tuple[list[str], dict, str | None]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPPORTBOT_", "DATABASE_", "OPENAI_"))}
    if source is None:
        return [str(Path(sys.executable).with_name("supportbot")), *argv], env, None
    # PYTHONPATH wins over the editable install's finder, which sits at the end of sys.meta_path.
    return [sys.executable, "-c", ENTRY, *argv], {**env, "PYTHONPATH": str(source)}, str(source)


def timed(argv: list[str], env: dict, cwd: str | None) -> tuple[float, float] | None:
    """(wall, cpu) seconds of one run, or None when the command fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return (wall, cpu) if done.returncode == 0 else None


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} s [{min(values):.3f}-{max(values):.3f}]"


def measure(argv, env, cwd, runs: int) -> str:
    if timed(argv, env, cwd) is None:  # also warms the OS file cache
        return "fails (not supported by this code)"
    results = [timed(argv, env, cwd) for _ in range(runs)]
    return f"wall {spread([w for w, _ in results])}   cpu {spread([c for _, c in results])}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--source", type=Path, help="import bot.cli from this checkout instead of the installed one")
    args = parser.parse_args()
    print(f"runs: {args.runs}; load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"cores: {os.cpu_count()}; code: {args.source or 'installed'}")
    print(f"python -c pass          {measure([sys.executable, '-c', 'pass'], dict(os.environ), None, args.runs)}")
    for flag in ("--help", "--version"):
        argv, env, cwd = command(args.source, flag)
        print(f"supportbot {flag:<12} {measure(argv, env, cwd, args.runs)}")


if __name__ == "__main__":
    main()
