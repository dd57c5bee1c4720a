"""The `supportbot` entry point stays light: --help and --version load no agent, model or driver."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

SUPPORTBOT = Path(sys.executable).with_name("supportbot")
HEAVY = ("langgraph", "langchain_core", "langchain_openai", "openai", "psycopg", "psycopg_pool", "aiosqlite",
         "slack_bolt", "slack_sdk", "aiohttp", "pydantic", "pydantic_settings")


def test_building_the_parser_imports_no_agent_model_database_or_slack_package():
    probe = ("import sys; from bot.cli import build_parser; build_parser(); "
             "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    loaded = set(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                                check=True).stdout.split())
    assert "bot" in loaded
    assert sorted(loaded & set(HEAVY)) == []


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_import_neither_langgraph_nor_openai(flag):
    probe = ("import sys\nfrom bot.cli import main\ntry:\n    main([sys.argv[1]])\nexcept SystemExit:\n    pass\n"
             "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", probe, flag], capture_output=True, text=True, check=True)
    loaded = set(done.stderr.split())
    assert "bot" in loaded
    assert sorted(loaded & set(HEAVY)) == []


def test_version_prints_the_installed_version():
    done = subprocess.run([str(SUPPORTBOT), "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert done.stdout.strip() == f"supportbot {version('supportbot')}"


def test_help_lists_every_command():
    done = subprocess.run([str(SUPPORTBOT), "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    for command in ("serve", "worker", "migrate", "chat", "approvals", "stats", "history"):
        assert f"    {command}" in done.stdout


def test_a_command_that_refuses_says_one_line_on_stderr_and_keeps_its_exit_code(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "SUPPORTBOT_", "OPENAI_"))}
    usage = subprocess.run([str(SUPPORTBOT), "retry"], cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=120)
    assert (usage.returncode, usage.stdout) == (2, "")
    assert usage.stderr == "supportbot: retry: give an ITEM id or --thread THREAD_ID\n"
    missing = subprocess.run([str(SUPPORTBOT), "retry", "99"], cwd=tmp_path, env=env, capture_output=True,
                             text=True, timeout=120)
    assert (missing.returncode, missing.stdout) == (1, "")
    assert missing.stderr.endswith("\nsupportbot: no inbox item 99\n")  # after the migration's log line
