"""Pure pieces: times in checkpoint ids, --since, read-only SQL, /support's thread, status, tables."""

from __future__ import annotations

import time
import uuid

import pytest
from langgraph.checkpoint.base.id import uuid6

from bot.listeners.commands.request import SupportRequest, split_thread_arg
from bot.operators.clock import BadTime, parse_since
from graph.checkpoint_ids import checkpoint_floor, checkpoint_time
from bot.operators.output import table
from bot.operators.readonly import is_read
from bot.operators.threads import status_of


def test_a_checkpoint_ids_time_is_read_back_and_bounds_ids_made_later():
    made = str(uuid6(clock_seq=3))
    at = checkpoint_time(made)
    assert abs(at - time.time()) < 5
    assert checkpoint_floor(at - 1) < made < checkpoint_floor(at + 1)
    assert abs(checkpoint_time(checkpoint_floor(at)) - at) < 1e-6
    assert checkpoint_time(str(uuid.uuid4())) is None and checkpoint_time("nope") is None


def test_since_reads_durations_and_dates():
    assert parse_since("90m", now=10_000) == 10_000 - 5400
    assert parse_since("2d", now=200_000) == 200_000 - 172_800
    assert parse_since("1970-01-02") == 86_400
    assert parse_since(None) == 0.0
    with pytest.raises(BadTime, match="--since 'last week'"):
        parse_since("last week")


def test_only_plain_selects_count_as_reads():
    assert is_read("-- name\nSELECT 1")
    assert not is_read("INSERT INTO t VALUES (1) RETURNING id")
    assert not is_read("UPDATE t SET a = 1")
    assert not is_read("WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x")


def test_support_finds_its_thread_from_the_payload_or_the_arguments():
    body = {"text": "rewind 1f0abc", "user_id": "U1", "team_id": "T1", "channel_id": "C1", "thread_ts": "5.1"}
    request = SupportRequest.from_body(body)
    assert (request.subcommand, request.args) == ("rewind", ["1f0abc"])
    assert request.thread_id() == "slack:T1:C1:5.1"
    assert request.thread_id("slack:T1:C9:7.7") == "slack:T1:C9:7.7"
    assert SupportRequest.from_body({**body, "thread_ts": ""}).thread_id() is None
    assert SupportRequest.from_body({**body, "thread_ts": "", "channel_id": "D1"}).thread_id() == "slack:T1:D1"
    assert split_thread_arg(["1f0abc", "slack:T1:C1:5.1"]) == (["1f0abc"], "slack:T1:C1:5.1")


def test_status_prefers_running_then_waiting_then_error():
    assert status_of({"running_items": 1, "pending_approvals": 1, "last_outcome": "failed"}, 100, True) == "running"
    assert status_of({"lease_expires_at": 150}, 100, False) == "running"
    assert status_of({"lease_expires_at": 50, "pending_approvals": 1}, 100, False) == "waiting"
    assert status_of({"last_outcome": "failed"}, 100, True) == "waiting"
    assert status_of({"last_outcome": "failed"}, 100, False) == "error"
    assert status_of({"last_outcome": "done"}, 100, False) == "idle"
    assert status_of(None, 100, False) == "idle"


def test_tables_keep_one_line_per_row():
    text = table([{"a": "x\ny", "b": 1.5}, {"a": "long value", "b": None}], [("a", "A"), ("b", "B")])
    assert text.splitlines() == ["A           B", "----------  ----", "x y         1.50", "long value"]
