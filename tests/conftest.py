"""Every test gets one tier marker, from its folder or, where a file differs
from its folder, from the file:

- ``unit``: pure functions and fakes built from real classes; no database, no process.
- ``integration``: real SQLite files and PostgreSQL databases, CLI processes.
- ``scenario``: the running bot (signed Slack requests in, the fake Web API out),
  in this process or as ``supportbot`` subprocesses.

``-m unit`` is the fast lane; README.md ("Running the tests") lists the others.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# Tests start dozens of `supportbot` processes, each importing LangGraph, LangChain and the drivers:
# where the environment sets PYTHONDONTWRITEBYTECODE, every one of them compiled all of that from
# source again (about half of a process's start-up). Caching the bytecode changes no behaviour.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

pytest_plugins = ["tests.support.fixtures"]

TIERS = ("unit", "integration", "scenario")
ROOT = Path(__file__).resolve().parent

BY_FOLDER = {
    ".": "integration",
    "approvals": "scenario",
    "deploy": "integration",
    "durability": "scenario",
    "faults": "scenario",
    "graph": "integration",
    "long": "integration",
    "operators": "integration",
    "perf": "integration",
    "playground": "scenario",
    "slack": "scenario",
    "surfaces": "scenario",
}
BY_FILE = {
    "test_conventions.py": "unit",
    "approvals/test_builders.py": "unit",
    "approvals/test_gate.py": "integration",
    "durability/test_lease_renewal.py": "integration",
    "faults/test_graph_retries.py": "integration",
    "faults/test_lease_clock.py": "unit",
    "graph/test_demo_model.py": "unit",
    "long/test_summary.py": "unit",
    "operators/test_units.py": "unit",
    "operators/test_metadata.py": "scenario",
    "operators/test_rewind.py": "scenario",
    "operators/test_slash_support.py": "scenario",
    "playground/test_blockkit.py": "unit",
    "slack/test_config.py": "integration",
    "surfaces/test_builders.py": "unit",
    "surfaces/test_manifest.py": "unit",
    "long/test_forget_running.py": "scenario",
}


def tier_of(path: Path) -> str:
    relative = path.resolve().relative_to(ROOT)
    folder = relative.parent.as_posix()
    if folder not in BY_FOLDER:
        raise pytest.UsageError(f"tests/{folder} has no tier: add it to BY_FOLDER in tests/conftest.py")
    return BY_FILE.get(relative.as_posix(), BY_FOLDER[folder])


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        item.add_marker(tier_of(Path(item.fspath)))
