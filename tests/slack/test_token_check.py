"""`supportbot serve` checks SLACK_BOT_TOKEN with auth.test before it serves anything."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.postgres import free_port

SUPPORTBOT = str(Path(sys.executable).with_name("supportbot"))


def test_a_token_slack_refuses_stops_start_up_with_one_line(fake_slack, tmp_path):
    fake_slack.fail_next("auth.test", error="invalid_auth")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPENAI_", "SUPPORTBOT_"))}
    env.update(SLACK_BOT_TOKEN="xoxb-revoked", SLACK_SIGNING_SECRET="s", SLACK_API_URL=fake_slack.api_url,
               DATABASE_URL=f"sqlite:///{tmp_path}/bot.db", PORT=str(free_port()))
    done = subprocess.run([SUPPORTBOT, "serve"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "supportbot: SLACK_BOT_TOKEN was refused by Slack (invalid_auth): "
        "copy the bot's xoxb- token from the Slack app's OAuth page"]
    assert [c.token for c in fake_slack.calls_to("auth.test")] == ["xoxb-revoked"]
    assert not (tmp_path / "bot.db").exists()  # nothing was started
