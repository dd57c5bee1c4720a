"""The operator's timeline on the page: the same operator code as the CLI's
``history``, ``show``, ``rewind`` and ``replay``, refused to anyone who is not an operator."""

from __future__ import annotations

from bot.agent import agent_graph
from bot.operators.access import is_operator
from bot.operators.lease import ThreadBusy
from bot.operators.replay import replay
from bot.operators.rewind import AlreadyThere, rewind
from bot.operators.snapshot import show
from bot.operators.timeline import NotFound, history


class Refused(Exception):
    """Said to the page in one sentence (not an operator, no such thread, busy...)."""


class OperatorPanel:
    def __init__(self, service) -> None:
        self.service = service

    def _check(self, user: str) -> None:
        if not is_operator(self.service.settings, user):
            raise Refused("Only operators see a thread's timeline. Switch to Grace (approver and operator).")

    async def timeline(self, user: str, thread_id: str) -> list[dict]:
        self._check(user)
        try:
            steps = await history(self.service.agent.graph, thread_id)
        except NotFound as exc:
            raise Refused(str(exc)) from None
        return [{**s.as_json(), "parent_id": s.parent_id, "branch": "head" if s.on_head else "set aside"}
                for s in steps]

    async def state(self, user: str, thread_id: str, checkpoint_id: str) -> dict:
        self._check(user)
        try:
            return await show(self.service.agent.graph, thread_id, checkpoint_id)
        except NotFound as exc:
            raise Refused(str(exc)) from None

    async def rewind(self, user: str, thread_id: str, checkpoint_id: str) -> dict:
        self._check(user)
        service = self.service
        try:
            result = await rewind(service.agent.graph, service.agent.storage.db, thread_id, checkpoint_id, user,
                                  slack=service.outbox, wait=10.0)
        except (NotFound, AlreadyThere, ThreadBusy) as exc:
            raise Refused(str(exc)) from None
        service.deps.wake()  # messages released from behind a voided pause
        return result.as_json()

    async def replay(self, user: str, thread_id: str, checkpoint_id: str) -> dict:
        self._check(user)
        agent = self.service.agent
        try:
            result = await replay(agent.graph, agent.storage,
                                  lambda scratch: agent_graph(self.service.settings, scratch, agent.model),
                                  thread_id, checkpoint_id)
        except NotFound as exc:
            raise Refused(str(exc)) from None
        except Exception as exc:  # the model or a tool failed: one line, as the CLI says it
            first = (str(exc).strip() or type(exc).__name__).splitlines()[0]
            raise Refused(f"The replay failed ({type(exc).__name__}: {first})") from None
        return {**result.as_json(), "same": result.same, "diff": result.diff()}
