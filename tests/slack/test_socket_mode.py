"""`supportbot serve` in Socket Mode: events arrive over a WebSocket, replies go to the Web API."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.slack.socket_mode import retry_delay
from tests.fakes.socket_mode import FakeSlackSocket
from tests.support.postgres import free_port
from tests.support.slack_requests import app_mention_event, event_callback, message_event

SUPPORTBOT = str(Path(sys.executable).with_name("supportbot"))
DRAIN_SECONDS = 3
CONNECT_FAILED = "socket mode could not connect to Slack; retrying"


def socket_mode_env(tmp_path, api_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPENAI_", "SUPPORTBOT_"))}
    env.update(SLACK_BOT_TOKEN="xoxb-test", SLACK_APP_TOKEN="xapp-test", SLACK_API_URL=api_url,
               DATABASE_URL=f"sqlite:///{tmp_path}/bot.db", PORT=str(free_port()), SUPPORTBOT_WORKERS="1",
               SUPPORTBOT_DRAIN_SECONDS=str(DRAIN_SECONDS))
    return env


def readyz(env: dict) -> int:
    try:
        return urllib.request.urlopen(f"http://127.0.0.1:{env['PORT']}/readyz", timeout=5).status
    except urllib.error.HTTPError as refused:
        return refused.code
    except OSError:
        return 0  # not listening yet


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def log_lines(path: Path) -> list[dict]:
    lines = path.read_text().splitlines() if path.exists() else []
    return [json.loads(line) for line in lines if line.startswith("{")]


@contextmanager
def socket_mode_serve(tmp_path, api_url: str):
    """A Socket Mode ``supportbot serve`` process; yields it, its env and its stderr (a file)."""
    env = socket_mode_env(tmp_path, api_url)
    err = tmp_path / "stderr.log"
    with err.open("w") as stderr:
        bot = subprocess.Popen([SUPPORTBOT, "serve"], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                               stderr=stderr)
    try:
        yield bot, env, err
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait()


def stops_within_the_drain_deadline(bot: subprocess.Popen, sig: int) -> None:
    started = time.monotonic()
    bot.send_signal(sig)
    try:
        bot.wait(timeout=DRAIN_SECONDS + 5)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"serve ignored signal {sig}") from None
    took = time.monotonic() - started
    assert bot.returncode == 0 and took < DRAIN_SECONDS + 2, (bot.returncode, took)


def only_one_line_per_failure(err_path: Path) -> list[dict]:
    text = err_path.read_text()
    assert "Traceback" not in text, text[-3000:]
    records = log_lines(err_path)
    assert not [r for r in records if "exc" in r], text[-3000:]
    return [r for r in records if r["event"] == CONNECT_FAILED]


def test_socket_mode_with_slack_unreachable_stops_on_sigint_while_connecting(tmp_path):
    with socket_mode_serve(tmp_path, f"http://127.0.0.1:{free_port()}/api/") as (bot, env, err):  # nothing there
        wait_for(lambda: [r for r in log_lines(err) if r["event"] == CONNECT_FAILED], 30, "a failed connect")
        assert readyz(env) == 503
        stops_within_the_drain_deadline(bot, signal.SIGINT)
    failures = only_one_line_per_failure(err)
    assert [f["attempt"] for f in failures] == list(range(1, len(failures) + 1))
    assert failures[0]["level"] == "warning" and "ClientConnectorError" in failures[0]["error"]


def test_socket_mode_backs_off_is_unready_while_down_and_ready_once_connected(tmp_path):
    with FakeSlackSocket() as slack:
        slack.fail_next("apps.connections.open", 2, error="internal_error")
        with socket_mode_serve(tmp_path, slack.api_url) as (bot, env, err):
            wait_for(lambda: readyz(env) == 503, 30, "readyz to answer 503 while the socket is down")
            slack.wait_until(lambda: slack.connected, timeout=30)
            wait_for(lambda: readyz(env) == 200, 10, "readyz to answer 200 once connected")
            stops_within_the_drain_deadline(bot, signal.SIGTERM)
        failures = only_one_line_per_failure(err)
        assert [(f["attempt"], f["error"], f["retry_in"]) for f in failures] == [
            (1, "internal_error", 1.0), (2, "internal_error", 2.0)]
        opened = [c.status for c in slack.calls_to("apps.connections.open")]
        assert opened == [200, 200, 200]  # two refused (ok: false), then the one that connected


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


def test_reconnect_attempts_wait_twice_as_long_each_time_up_to_a_cap():
    assert [retry_delay(attempt, first=1, cap=8) for attempt in range(1, 7)] == [1, 2, 4, 8, 8, 8]
