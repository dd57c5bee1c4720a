"""Fixtures for the long-conversation tests: storage on every backend, a recording demo model."""

from __future__ import annotations

import pytest
from langchain_core.messages import BaseMessage
from pydantic import Field

from graph.demo_model import DemoChatModel
from graph.storage import open_storage


class RecordingDemoModel(DemoChatModel):
    """The offline demo model, remembering exactly what it was given on each call."""

    seen: list = Field(default_factory=list)  # shared by the copies bind_tools makes

    def _generate(self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs):
        self.seen.append(list(messages))
        return super()._generate(messages, stop, run_manager, **kwargs)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def database_url(request, tmp_path) -> str:
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'supportbot.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
async def storage(database_url):
    async with open_storage(database_url) as opened:
        yield opened


@pytest.fixture
def model() -> RecordingDemoModel:
    return RecordingDemoModel()
