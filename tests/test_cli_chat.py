"""`supportbot chat`: memory across processes, a transcript without log lines, approvals recorded
like Slack's, and Ctrl-C leaving at once (through a real pty)."""

from __future__ import annotations

import getpass
import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SUPPORTBOT = Path(sys.executable).with_name("supportbot")
BACKENDS = ["sqlite-default", pytest.param("postgres", marks=pytest.mark.postgres)]


def clean_env(database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DATABASE_", "SUPPORTBOT_"))}
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return env


def supportbot(cwd: Path, database_url: str | None, *argv: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([str(SUPPORTBOT), *argv], cwd=cwd, env=clean_env(database_url), input=stdin,
                          capture_output=True, text=True, timeout=120)


def chat(cwd: Path, stdin: str, database_url: str | None) -> subprocess.CompletedProcess:
    """One `supportbot chat --thread x` process on the offline demo model."""
    return supportbot(cwd, database_url, "chat", "--thread", "x", stdin=stdin)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str | None:
    return request.getfixturevalue("pg_url") if request.param == "postgres" else None


def test_the_name_told_to_one_process_is_known_to_the_next(backend, tmp_path):
    first = chat(tmp_path, "my name is Ada\nquit\n", backend)
    assert first.returncode == 0, first.stderr
    assert "Nice to meet you, Ada!" in first.stdout
    if backend is None:
        assert (tmp_path / "supportbot.db").is_file()  # the default DATABASE_URL, in the cwd

    second = chat(tmp_path, "what's my name?\nquit\n", backend)
    assert second.returncode == 0, second.stderr
    assert "(continuing: 2 earlier messages)" in second.stdout
    assert "Your name is Ada." in second.stdout


def test_a_session_reads_like_a_conversation_and_its_rejection_is_recorded_like_slacks(backend, tmp_path):
    done = chat(tmp_path, "where is order 1003?\nrefund order 1001\nn too late for that\nquit\n", backend)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "thread cli:x" in out.splitlines()[0]
    # No log line anywhere, on either stream.
    assert [line for line in (out + done.stderr).splitlines() if line.lstrip().startswith("{")] == []
    assert done.stderr == ""
    # Each answer once; a tool call is one short line and its result is not echoed before the answer.
    assert out.count("Order 1003: Noise-cancelling headphones") == 1
    assert out.count("  ⚙ lookup_order(order_id=1003)") == 1 and "↳" not in out
    # The card's words, and the reason typed in the same prompt.
    assert "⏸ Refund order 1001 ($129.00) — approve? [y/N" in out
    assert "reason (optional)" not in out
    assert "✗ rejected by" in out and out.count("The action was not carried out.") == 1

    listed = supportbot(tmp_path, backend, "approvals", "--all", "--json")
    assert listed.returncode == 0, listed.stderr
    [approval] = json.loads(listed.stdout)
    assert (approval["thread_id"], approval["tool"], approval["status"]) == ("cli:x", "refund_order", "rejected")
    assert approval["decided_by"] == approval["requester"] == getpass.getuser()
    assert approval["note"] == "too late for that" and approval["summary"] == "Refund order 1001 ($129.00)"

    stats = supportbot(tmp_path, backend, "stats", "--json")
    assert stats.returncode == 0, stats.stderr
    data = json.loads(stats.stdout)
    refund = next(t for t in data["tools"] if t["tool"] == "refund_order")
    assert refund["errors"] == 0, "a rejection is a decision, not a tool error"
    assert [(a["tool"], a["status"], a["count"]) for a in data["approvals"]] == [("refund_order", "rejected", 1)]

    history = supportbot(tmp_path, backend, "history", "x", "--json")  # the short name from the banner
    assert history.returncode == 0, history.stderr
    assert len(json.loads(history.stdout)) > 0


def test_an_approval_at_the_prompt_runs_the_tool_and_the_next_process_does_not_ask_again(tmp_path):
    done = chat(tmp_path, "refund order 1002\ny\nquit\n", None)
    assert done.returncode == 0, done.stderr
    assert "✓ approved by" in done.stdout and "refunded" in done.stdout.lower()
    again = chat(tmp_path, "quit\n", None)
    assert "approve?" not in again.stdout
    [approval] = json.loads(supportbot(tmp_path, None, "approvals", "--all", "--json").stdout)
    assert approval["status"] == "approved"


def read_until(fd: int, wanted: bytes, deadline: float) -> bytes:
    seen = b""
    while wanted not in seen:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"never saw {wanted!r}; got {seen[-500:]!r}"
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the pty
                break
            if not chunk:
                break
            seen += chunk
    return seen


def test_ctrl_c_at_the_prompt_leaves_at_once_in_a_terminal(tmp_path):
    pid, fd = pty.fork()
    if pid == 0:  # the child: a session of its own with the pty as its terminal
        os.chdir(tmp_path)
        os.execve(str(SUPPORTBOT), [str(SUPPORTBOT), "chat"], clean_env(None))
    try:
        deadline = time.monotonic() + 120
        read_until(fd, b"you> ", deadline)
        os.write(fd, b"\x03")  # the terminal's Ctrl-C: SIGINT to the foreground process
        read_until(fd, b"\n", deadline)
        while True:  # the process ends without another key being pressed
            finished, status = os.waitpid(pid, os.WNOHANG)
            if finished:
                break
            assert time.monotonic() < deadline, "chat still running after Ctrl-C"
            time.sleep(0.05)
        assert os.waitstatus_to_exitcode(status) == 130
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(fd)
