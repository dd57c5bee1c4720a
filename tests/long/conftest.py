"""Fixtures for the long-conversation tests: storage on every backend, a recording demo model."""

from __future__ import annotations

import pytest
from langchain_core.messages import BaseMessage
from pydantic import Field

from graph.demo_model import DemoChatModel


class RecordingDemoModel(DemoChatModel):
    """The offline demo model, remembering exactly what it was given on each call."""

    seen: list = Field(default_factory=list)  # shared by the copies bind_tools makes

    def _generate(self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs):
        self.seen.append(list(messages))
        return super()._generate(messages, stop, run_manager, **kwargs)


@pytest.fixture
def model() -> RecordingDemoModel:
    return RecordingDemoModel()
