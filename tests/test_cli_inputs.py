"""One line per bad input: every malformed setting and every malformed argument is one stderr line, exit 2.

In-process (``bot.cli.main``) rather than a subprocess per case: there are about a hundred cases.
"""

from __future__ import annotations

import logging
import typing

import pytest

from bot import cli
from bot.config import Settings

# Fields a number or a switch: any word is malformed, so new ones are covered without an entry here.
NUMERIC = {name for name, field in Settings.model_fields.items()
           if set(typing.get_args(field.annotation) or [field.annotation]) - {type(None)} <= {int, float, bool}}
# The rest: a value of the wrong shape for each (plus the edges of the numeric ones worth pinning).
MALFORMED = {
    "slack_bot_token": "xoxp-a-user-token",
    "slack_app_token": "xoxb-not-an-app-token",
    "slack_api_url": "slack.example",
    "database_url": "postgresql://u@h:abc/x",
    "openai_base_url": "api.openai.com/v1",
    "supportbot_approvers": "UAPP,alice",
    "supportbot_approver_group": "@support-leads",
    "supportbot_approval_channel": "#approvals",
    "supportbot_operators": "carol",
    "supportbot_staff": "U1,dave",
    "supportbot_log_level": "bogus",
    "host": "",
    "supportbot_encryption_key": "not-a-key",
    "supportbot_encryption_old_keys": "short",
    "supportbot_summary_tokenizer": "words",
}
# Any text is a valid value of these: a secret, a key or a model name Slack or OpenAI judge.
FREE_TEXT = {"slack_signing_secret", "openai_api_key", "supportbot_model"}
EDGES = [("database_url", "postgres://nohost:99999/x"), ("database_url", "postgresql://u@h:0/x"),
         ("database_url", "mysql://db/x"), ("port", "99999"),
         ("port", "0"), ("database_pool_size", "1"), ("supportbot_workers", "0"), ("supportbot_model_timeout", "0"),
         ("supportbot_approval_ttl", "-5"), ("supportbot_listen", "maybe")]
CASES = [(name, MALFORMED.get(name, "not-a-number")) for name in Settings.model_fields if name not in FREE_TEXT]


@pytest.fixture
def clean_env(tmp_path, monkeypatch):
    """No setting from the environment or a .env file; the root logger restored after main() set it up."""
    import os

    for name in os.environ:
        if name.upper() in {n.upper() for n in Settings.model_fields}:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield monkeypatch
    root.handlers[:], root.level = handlers, level


def run_cli(argv: list[str]) -> int:
    try:
        return cli.main(argv)
    except SystemExit as exc:  # argparse refusing an argument
        return exc.code


def one_line(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert captured.out == "" and len(lines) == 1, captured
    return lines[0]


def test_every_setting_has_a_malformed_value_or_is_free_text():
    assert not MALFORMED.keys() & NUMERIC and not FREE_TEXT & (NUMERIC | MALFORMED.keys())
    assert set(Settings.model_fields) == NUMERIC | MALFORMED.keys() | FREE_TEXT


@pytest.mark.parametrize("name, value", CASES + EDGES, ids=[f"{n}={v}" for n, v in CASES + EDGES])
def test_a_malformed_setting_is_one_line_naming_it_and_exit_2(clean_env, capsys, name, value):
    clean_env.setenv(name.upper(), value)
    for argv in (["settings", "--check"], ["serve"]):
        assert run_cli(argv) == 2, argv
        line = one_line(capsys)
        assert line.startswith(f"supportbot: {name.upper()}"), line
        if "KEY" in name:
            assert value not in line  # a key's text is never echoed


@pytest.mark.parametrize("name, value", [
    ("database_url", "postgresql://u@h1:5432,h2:5433/db"), ("database_url", "postgresql:///db?host=/run/pg"),
    ("slack_bot_token", "xoxe.xoxb-1-rotating"), ("supportbot_log_level", "debug"), ("supportbot_approval_channel", ""),
])
def test_settings_check_passes_on_the_defaults_and_on_unusual_valid_values(clean_env, capsys, name, value):
    assert run_cli(["settings", "--check"]) == 0
    clean_env.setenv(name.upper(), value)
    assert run_cli(["settings", "--check"]) == 0
    assert capsys.readouterr().out == "every setting is valid\n" * 2


def test_an_operator_command_runs_despite_a_malformed_setting_it_does_not_use(clean_env, capsys, tmp_path):
    clean_env.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    clean_env.setenv("PORT", "http")
    clean_env.setenv("SUPPORTBOT_APPROVERS", "alice")
    assert run_cli(["threads", "--json"]) == 0
    assert capsys.readouterr().out.strip() == "[]"
    assert run_cli(["serve"]) == 2  # ... while what runs the bot reports them all, one line each
    assert capsys.readouterr().err.splitlines() == [
        "supportbot: SUPPORTBOT_APPROVERS: must be Slack user ids (U…), not names",
        "supportbot: PORT: Input should be a valid integer, unable to parse string as an integer"]


def test_an_operator_command_stops_on_a_malformed_setting_it_uses(clean_env, capsys):
    clean_env.setenv("DATABASE_URL", "postgres://nohost:99999/x")
    assert run_cli(["threads"]) == 2
    assert one_line(capsys).startswith("supportbot: DATABASE_URL: ")


@pytest.mark.parametrize("argv, argument", [
    (["retry", "99999999999999999999"], "item"),
    (["retry", "0"], "item"),
    (["retry", "--thread", " "], "--thread"),
    (["forget", "--user", ""], "--user"),
    (["forget", "--user", "alice"], "--user"),
    (["forget", "--thread", ""], "--thread"),
    (["show", "T", "--checkpoint", "bogus"], "--checkpoint"),
    (["show", "", ], "THREAD_ID"),
    (["history", "slack:T1:C1:1.0", "--limit", "-1"], "--limit"),
    (["rewind", "slack:T1:C1:1.0", "--to", "bogus"], "--to"),
    (["rewind", "slack:T1:C1:1.0", "--to", "1ef4f797-8335-6428-8001-8a1503f9b875", "--wait", "nan"], "--wait"),
    (["rewind", "bad id", "--to", "1ef4f797-8335-6428-8001-8a1503f9b875"], "THREAD_ID"),
    (["replay", "slack:T1:C1:1.0", "--from", "12"], "--from"),
    (["threads", "--user", "bob"], "--user"),
    (["threads", "--limit", "many"], "--limit"),
    (["approvals", "--limit", "0"], "--limit"),
    (["serve", "--port", "70000"], "--port"),
    (["worker", "--workers", "-1"], "--workers"),
    (["playground", "--log-level", "loud"], "--log-level"),
    (["rewind", "slack:T1:C1:1.0"], "--to"),
])
def test_a_malformed_argument_is_one_line_naming_it_and_exit_2(clean_env, capsys, argv, argument):
    assert run_cli(argv) == 2
    line = one_line(capsys)
    assert line.startswith(f"supportbot {argv[0]}: ") and argument in line, line
