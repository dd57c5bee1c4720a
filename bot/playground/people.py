"""Who is in the playground's workspace, and which conversations each of them sees.

The simulated users match the demo shop's seeded customers (sql/ migrations),
so identity by profile email finds their orders. Grace approves and operates.
"""

from __future__ import annotations

from dataclasses import dataclass

TEAM_ID, TEAM_NAME, APP_ID = "TPLAYGROUND", "Playground", "APLAYGROUND"
BOT_USER, BOT_ID, BOT_NAME = "USUPPORTBOT", "BSUPPORTBOT", "supportbot"
SUPPORT_CHANNEL = "CSUPPORT"
DEFAULT_APPROVALS_CHANNEL = "CAPPROVALS"


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    real_name: str
    email: str
    role: str  # shown next to the name in the user switch

    @property
    def dm(self) -> str:
        """Their direct-message conversation with the bot."""
        return "D" + self.user_id[1:]

    def profile(self) -> dict:
        """users.info's ``user`` object, with the profile email (users:read.email)."""
        return {"id": self.user_id, "team_id": TEAM_ID, "name": self.name, "real_name": self.real_name,
                "is_bot": False, "deleted": False, "tz": "UTC", "is_restricted": False,
                "profile": {"real_name": self.real_name, "display_name": self.name, "email": self.email}}


PEOPLE = (
    Person("UADA", "ada", "Ada Lovelace", "ada@example.com", "customer"),
    Person("UALAN", "alan", "Alan Turing", "alan@example.com", "customer"),
    Person("UGRACE", "grace", "Grace Hopper", "grace@example.com", "approver and operator"),
)
DEFAULT_PERSON = PEOPLE[0]
STAFF = ("UGRACE",)


@dataclass(frozen=True)
class Conversation:
    channel_id: str
    name: str
    kind: str  # "im" or "channel"
    members: tuple[str, ...]

    def visible_to(self, user_id: str) -> bool:
        return user_id in self.members


def person(user_id: str | None) -> Person | None:
    return next((p for p in PEOPLE if p.user_id == user_id), None)


def conversations(approvals_channel: str | None) -> list[Conversation]:
    everyone = tuple(p.user_id for p in PEOPLE)
    found = [Conversation(p.dm, BOT_NAME, "im", (p.user_id,)) for p in PEOPLE]
    found.append(Conversation(SUPPORT_CHANNEL, "support", "channel", everyone))
    if approvals_channel:
        found.append(Conversation(approvals_channel, "approvals", "channel", everyone))
    return found
