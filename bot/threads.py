"""Slack conversation → LangGraph thread id (the contract in DESIGN.md).

* a channel message: ``slack:{team}:{channel}:{thread_ts}``, where thread_ts is
  the message's ``thread_ts``, or its own ``ts`` when it is top-level (it starts
  a thread);
* a DM's top-level messages are one ongoing conversation per DM channel:
  ``slack:{team}:{channel}``; a threaded reply inside a DM is its own thread.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SlackPlace:
    """Where a conversation lives in Slack, and where the bot's replies go."""

    thread_id: str
    team_id: str
    channel_id: str
    thread_ts: str | None  # the Slack thread replies go into; None = top level of a DM
    is_dm: bool


def place_of(team_id: str, channel_id: str, ts: str, thread_ts: str | None = None,
             channel_type: str | None = None) -> SlackPlace:
    if not team_id or not channel_id or not ts:
        raise ValueError("a Slack message needs team, channel and ts")
    is_dm = channel_type == "im" or (channel_type is None and channel_id.startswith("D"))
    if is_dm and not thread_ts:
        return SlackPlace(f"slack:{team_id}:{channel_id}", team_id, channel_id, None, True)
    root = thread_ts or ts
    return SlackPlace(f"slack:{team_id}:{channel_id}:{root}", team_id, channel_id, root, is_dm)


def parse_thread_id(thread_id: str) -> SlackPlace | None:
    """The inverse, for operators and resumes: None for non-Slack threads (e.g. ``cli:…``)."""
    parts = thread_id.split(":")
    if parts[0] != "slack" or len(parts) not in (3, 4):
        return None
    team, channel = parts[1], parts[2]
    thread_ts = parts[3] if len(parts) == 4 else None
    return SlackPlace(thread_id, team, channel, thread_ts, channel.startswith("D"))


def terminal_thread_id(name: str) -> str:
    """The thread of `supportbot chat --thread NAME`."""
    return f"cli:{name}"


def thread_id_from(text: str) -> str:
    """What an operator typed: a full thread id, or the short name of a terminal chat."""
    text = text.strip()
    return text if ":" in text else terminal_thread_id(text)


def delivery_key(team_id: str, channel_id: str, ts: str) -> str:
    """One Slack message, however many times and as whichever event it arrives."""
    return f"{team_id}:{channel_id}:{ts}"


def message_id(team_id: str, channel_id: str, ts: str) -> str:
    """The id of the HumanMessage in state: a replay adds it once (add_messages replaces by id)."""
    return f"slack:{team_id}:{channel_id}:{ts}"
