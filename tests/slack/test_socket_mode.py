"""`supportbot serve` in Socket Mode: events arrive over a WebSocket, replies go to the Web API."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.error
import urllib.request
import sys
from pathlib import Path

import pytest

from tests.fakes.socket_mode import FakeSlackSocket
from tests.support.postgres import free_port
from tests.support.slack_requests import app_mention_event, event_callback, message_event

SUPPORTBOT = str(Path(sys.executable).with_name("supportbot"))


@pytest.mark.slow
def test_socket_mode_mention_is_acked_and_answered(tmp_path):
    with FakeSlackSocket() as slack:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPENAI_", "SUPPORTBOT_"))}
        env.update(SLACK_BOT_TOKEN="xoxb-test", SLACK_APP_TOKEN="xapp-test", SLACK_API_URL=slack.api_url,
                   DATABASE_URL=f"sqlite:///{tmp_path}/bot.db", PORT=str(free_port()), SUPPORTBOT_WORKERS="2",
                   SUPPORTBOT_STAFF="U1")
        bot = subprocess.Popen([SUPPORTBOT, "serve"], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            slack.wait_until(lambda: slack.connected, timeout=30)
            envelope = slack.push(event_callback(app_mention_event("C1", "U1", "<@UBOT> where is order 1003?", "700.000001")))
            slack.wait_until(lambda: any(a.get("envelope_id") == envelope for a in slack.acks), timeout=15)
            posts = slack.wait_calls("chat.postMessage", 1, timeout=30)
            assert posts[0].params["thread_ts"] == "700.000001"
            assert "1003" in posts[0].params["text"]  # the offline demo model looked the order up
            assert slack.calls_to("apps.connections.open")[0].token == "xapp-test"
            # No signing secret: the HTTP port serves health, not Slack events.
            forged = json.dumps(event_callback(message_event("D1", "U1", "refund order 1001", "700.000002",
                                                             channel_type="im"))).encode()
            request = urllib.request.Request(f"http://127.0.0.1:{env['PORT']}/slack/events", data=forged,
                                             headers={"Content-Type": "application/json"}, method="POST")
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=10)
            assert refused.value.code == 404
            assert urllib.request.urlopen(f"http://127.0.0.1:{env['PORT']}/healthz", timeout=10).status == 200
            assert len(slack.calls_to("chat.postMessage")) == 1
        finally:
            bot.terminate()
            out, err = bot.communicate(timeout=30)
        assert bot.returncode == 0, err[-2000:]
