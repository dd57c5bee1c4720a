"""stats (SQL views + checkpoint queries) and threads' status, on both databases."""

from __future__ import annotations

import json
import time

from tests.operators.conftest import THREAD, cli, raw, say, settings_for


def inbox_row(database_url, key: str, thread_id: str, status: str, created: float, took: float = 2.0) -> None:
    raw(database_url, "INSERT INTO inbox (delivery_key, thread_id, kind, payload, status, attempts, created_at,"
        " updated_at) VALUES (?, ?, 'message', '{}', ?, 1, ?, ?)", (key, thread_id, status, created, created + took))


def approval_row(database_url, interrupt_id: str, thread_id: str, status: str, created: float,
                 decided: float | None = None) -> None:
    raw(database_url, "INSERT INTO approvals (interrupt_id, thread_id, tool, args, status, created_at, decided_at)"
        " VALUES (?, ?, 'refund_order', '{}', ?, ?, ?)", (interrupt_id, thread_id, status, created, decided))


async def test_stats_counts_turns_steps_tools_approval_waits_and_errors(demo, database_url, capsys):
    storage, graph = demo
    await say(graph, "my name is Ada", 1)
    await say(graph, "where is order 1003?", 2)
    await say(graph, "please refund order 1001, it broke", 3)  # pauses for approval
    now = time.time()
    inbox_row(database_url, "k1", THREAD, "done", now - 100, took=2)
    inbox_row(database_url, "k2", THREAD, "done", now - 90, took=4)
    inbox_row(database_url, "k3", "slack:T1:C2:5.0", "failed", now - 80, took=6)
    approval_row(database_url, "i1", THREAD, "approved", now - 70, decided=now - 40)
    approval_row(database_url, "i2", THREAD, "pending", now - 10)
    settings = settings_for(database_url)

    code, out = await cli(capsys, settings, "stats", "--json", "--since", "1h")

    assert code == 0
    stats = json.loads(out)
    assert stats["turns"] == {"total": 3, "threads": 2, "done": 2, "failed": 1, "retried": 0,
                              "avg_seconds": 4.0, "max_seconds": 6.0}
    assert stats["turns_per_thread"] == {"min": 1, "avg": 1.5, "median": 1.5, "max": 2}
    runs = stats["steps_per_turn"]
    assert runs["graph_runs"] == 3 and runs["steps"] >= 3 * 3 and runs["avg"] == round(runs["steps"] / 3, 2)
    assert stats["tools"] == [{"tool": "lookup_order", "called": 1, "results": 1, "errors": 0},
                              {"tool": "refund_order", "called": 1, "results": 0, "errors": 0}]
    assert stats["approvals"] == [
        {"tool": "refund_order", "status": "approved", "count": 1, "avg_wait_seconds": 30.0, "max_wait_seconds": 30.0},
        {"tool": "refund_order", "status": "pending", "count": 1, "avg_wait_seconds": None, "max_wait_seconds": None}]
    assert stats["error_rate"] == round(1 / 3, 4)

    code, out = await cli(capsys, settings, "stats", "--since", "2999-01-01")
    assert code == 0 and "turns            0 in 0 threads" in out and "(none)" in out
    code, out = await cli(capsys, settings, "stats")
    assert "lookup_order" in out and "33.3%" in out


async def test_threads_status_is_running_waiting_error_or_idle(demo, database_url, capsys):
    storage, graph = demo
    await say(graph, "my name is Ada", 1, thread_id="slack:T1:C1:1.0")  # idle
    await say(graph, "please refund order 1001", 2, thread_id="slack:T1:C2:2.0")  # waiting (a pause)
    now = time.time()
    inbox_row(database_url, "k1", "slack:T1:C3:3.0", "done", now - 60)
    inbox_row(database_url, "k2", "slack:T1:C3:3.0", "failed", now - 50)  # error
    inbox_row(database_url, "k3", "slack:T1:C4:4.0", "running", now - 5)  # running
    approval_row(database_url, "i1", "slack:T1:C5:5.0", "pending", now - 1)  # waiting (an approval row)
    settings = settings_for(database_url)

    code, out = await cli(capsys, settings, "threads", "--json")
    assert code == 0
    assert {r["thread_id"]: r["status"] for r in json.loads(out)} == {
        "slack:T1:C1:1.0": "idle", "slack:T1:C2:2.0": "waiting", "slack:T1:C3:3.0": "error",
        "slack:T1:C4:4.0": "running", "slack:T1:C5:5.0": "waiting"}

    code, out = await cli(capsys, settings, "threads", "--status", "waiting", "--json")
    assert sorted(r["thread_id"] for r in json.loads(out)) == ["slack:T1:C2:2.0", "slack:T1:C5:5.0"]
    code, out = await cli(capsys, settings, "threads", "--since", "2999-01-01", "--json")
    assert json.loads(out) == []
    code, out = await cli(capsys, settings, "threads", "--limit", "2")
    assert len(out.strip().splitlines()) == 2 + 2  # header, rule, two threads
    code, out = await cli(capsys, settings, "threads", "--since", "yesterday-ish")
    assert code == 2
