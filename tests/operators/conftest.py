"""Operator tests run on a SQLite file and on PostgreSQL (a fresh database per test)."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from bot.cli import build_parser, execute
from bot.config import load_settings
from bot.agent import agent_graph
from bot.threads import parse_thread_id
from graph.agent import human_message
from graph.demo_model import DemoChatModel
from graph.storage import open_storage
from tests.support.fixtures import database_fixture

THREAD = "slack:T1:C1:100.000001"
OPERATOR = "UOPS"


database_url = database_fixture("sqlite", "postgres")


def settings_for(database_url: str, fake_slack=None, fake_openai=None, **overrides):
    """Settings as an operator's shell would have them (no Slack token unless a fake Slack is given)."""
    return load_settings(
        database_url=database_url,
        slack_bot_token="xoxb-test" if fake_slack else None,
        slack_api_url=fake_slack.api_url if fake_slack else "https://slack.invalid/api/",
        openai_api_key="sk-test" if fake_openai else None,
        openai_base_url=fake_openai.base_url if fake_openai else None,
        supportbot_model="gpt-test", supportbot_operators=OPERATOR, **overrides)


async def cli(capsys, settings, *argv: str) -> tuple[int, str]:
    """A ``supportbot`` subcommand, in-process: parsed by the real parser, run as the entry point runs it."""
    args = build_parser().parse_args(list(argv))
    capsys.readouterr()
    code = await execute(args, settings)
    return code, capsys.readouterr().out


def slack_config(thread_id: str = THREAD, user: str = "U1", ts: str = "100.000001") -> dict:
    """What bot/turn.py passes for a Slack run."""
    place = parse_thread_id(thread_id)
    return {"configurable": {"thread_id": thread_id},
            "metadata": {"slack_team": place.team_id, "slack_channel": place.channel_id,
                         "slack_thread_ts": place.thread_ts or "",
                         "slack_user": user, "slack_ts": ts}}


async def say(graph, text: str, n: int, thread_id: str = THREAD, user: str = "U1") -> str:
    """One user turn on the graph; returns the head checkpoint id after it."""
    ts = f"100.{n:06d}"
    await graph.ainvoke({"messages": [human_message(text, f"m{n}", name=user)]},
                        slack_config(thread_id, user, ts))
    state = await graph.aget_state({"configurable": {"thread_id": thread_id}})
    return state.config["configurable"]["checkpoint_id"]


@pytest.fixture
async def demo(database_url):
    """Storage plus the bot's graph on the offline demo model."""
    async with open_storage(database_url) as storage:
        graph = agent_graph(settings_for(database_url), storage, DemoChatModel())
        yield storage, graph


def raw(database_url: str, query: str, params: tuple = ()) -> list[tuple]:
    """Straight to the database, to check what the code under test did (placeholders: ?)."""
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url[len("sqlite:///"):]) as conn:
            return conn.execute(query, params).fetchall()
    with psycopg.connect(database_url, autocommit=True) as conn:
        cursor = conn.execute(query.replace("?", "%s"), params)
        return cursor.fetchall() if cursor.description else []
