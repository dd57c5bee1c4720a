"""Who may do what: operators (SUPPORTBOT_OPERATORS, else the approvers) anything; a user
may erase a conversation they started."""

from __future__ import annotations


def is_operator(settings, user: str | None) -> bool:
    return bool(user) and user in settings.operators


async def started_by(db, thread_id: str) -> str | None:
    row = await db.fetchone("operator_thread_owner", {"thread_id": thread_id})
    return row["started_by"] if row else None


async def may_forget(settings, db, user: str, thread_id: str) -> bool:
    if is_operator(settings, user):
        return True
    return bool(user) and await started_by(db, thread_id) == user
