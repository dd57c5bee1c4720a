"""Bad configuration stops start-up with one line naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SUPPORTBOT = str(Path(sys.executable).with_name("supportbot"))


def serve(tmp_path, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPENAI_", "SUPPORTBOT_", "DATABASE_"))}
    return subprocess.run([SUPPORTBOT, "serve"], cwd=tmp_path, env={**clean, **env},
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("env, variable", [
    ({}, "SLACK_BOT_TOKEN"),
    ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
    ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "PORT": "http"}, "PORT"),
    ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": "slack.example"}, "SLACK_API_URL"),
])
def test_missing_or_malformed_setting_names_the_variable(tmp_path, env, variable):
    result = serve(tmp_path, **env)
    assert result.returncode != 0
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and variable in lines[0], result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written
