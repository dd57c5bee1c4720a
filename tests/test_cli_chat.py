"""`supportbot chat` remembers a conversation across a process restart."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SUPPORTBOT = Path(sys.executable).with_name("supportbot")


def chat(cwd: Path, stdin: str, database_url: str | None) -> subprocess.CompletedProcess:
    """One `supportbot chat --thread x` process on the offline demo model."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DATABASE_", "SUPPORTBOT_"))}
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return subprocess.run([str(SUPPORTBOT), "chat", "--thread", "x"], cwd=cwd, env=env, input=stdin,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("backend", ["sqlite-default", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_name_told_to_one_process_is_known_to_the_next(backend, tmp_path, request):
    database_url = request.getfixturevalue("pg_url") if backend == "postgres" else None

    first = chat(tmp_path, "my name is Ada\nquit\n", database_url)
    assert first.returncode == 0, first.stderr
    assert "Nice to meet you, Ada!" in first.stdout
    if database_url is None:
        assert (tmp_path / "supportbot.db").is_file()  # the default DATABASE_URL, in the cwd

    second = chat(tmp_path, "what's my name?\nquit\n", database_url)
    assert second.returncode == 0, second.stderr
    assert "(continuing: 2 earlier messages)" in second.stdout
    assert "Your name is Ada." in second.stdout
