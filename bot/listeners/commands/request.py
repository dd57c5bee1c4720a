"""What a ``/support`` invocation asks for: subcommand, arguments, and the thread it is about."""

from __future__ import annotations

from dataclasses import dataclass

from bot.threads import place_of


@dataclass(frozen=True)
class SupportRequest:
    subcommand: str
    args: list[str]
    user: str
    team: str
    channel: str
    thread_ts: str | None

    @classmethod
    def from_body(cls, body: dict) -> "SupportRequest":
        words = (body.get("text") or "").split()
        return cls(words[0].lower() if words else "", words[1:], body.get("user_id") or "",
                   body.get("team_id") or "", body.get("channel_id") or "", body.get("thread_ts") or None)

    def thread_id(self, named: str | None = None) -> str | None:
        """The thread named in the arguments, else the Slack thread the command was typed in
        (newer payloads carry thread_ts), else a DM's top-level conversation; None if none."""
        if named:
            return named
        if self.thread_ts and self.team and self.channel:
            return place_of(self.team, self.channel, self.thread_ts, self.thread_ts).thread_id
        if self.channel.startswith("D") and self.team:
            return f"slack:{self.team}:{self.channel}"
        return None


def split_thread_arg(args: list[str]) -> tuple[list[str], str | None]:
    """Arguments that look like a thread id (``slack:…``, ``cli:…``) name the thread."""
    rest, thread = [], None
    for arg in args:
        if ":" in arg and thread is None:
            thread = arg
        else:
            rest.append(arg)
    return rest, thread
