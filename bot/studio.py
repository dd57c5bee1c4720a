"""The agent for LangGraph Studio and ``langgraph dev`` (``langgraph.json`` points here).

The LangGraph server keeps threads in its own checkpointer, so the graph is
compiled without one; the demo shop's tables (and the audit rows of refunds)
live on ``DATABASE_URL`` as for the bot, default ``sqlite:///supportbot.db``,
created on first use. The model comes from the same settings (``OPENAI_API_KEY``
or the offline demo model). Approvals pause with ``interrupt()`` as in Slack:
Studio shows the request and resumes with ``{"decision": "approve"}`` or
``{"decision": "reject", "note": "…"}``.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from bot.agent import open_agent
from bot.config import load_settings


@asynccontextmanager
async def make_graph(config=None):
    """A graph factory: the server enters it for each run and closes the storage after."""
    async with open_agent(load_settings(), own_checkpointer=False) as agent:
        yield agent.graph
