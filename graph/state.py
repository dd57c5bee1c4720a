"""What the agent keeps per thread, and the per-run context it is given."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages


def keep_latest(old: Any, new: Any) -> Any:
    """Reducer for facts several nodes may report in one step: the newest non-empty wins."""
    return new if new not in (None, "") else old


class SupportState(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    # Older turns folded into prose when the thread outgrows its budget.
    summary: str
    # What was learnt about the customer; given to the model as context so it
    # survives even when the turns that told us are summarised away.
    customer_name: Annotated[str | None, keep_latest]
    customer_email: Annotated[str | None, keep_latest]
    current_order: Annotated[str | None, keep_latest]


class ToolTask(TypedDict):
    """Input of one tool execution (one per tool call, sent in parallel)."""

    call: dict


@dataclass(frozen=True)
class RunContext:
    """Per-run values (LangGraph runtime context): never copied into checkpoints.

    ``requester`` is who asked (a Slack user id, or a terminal user name);
    ``source`` is free-form provenance the caller wants on approval requests.
    ``customer_email`` is the requester's verified email (their Slack profile), never
    one the model or the user wrote; ``staff`` may act on any customer's orders.
    With neither, order tools refuse: the default is a stranger.
    """

    requester: str = "anonymous"
    source: dict = field(default_factory=dict)
    customer_email: str | None = None
    staff: bool = False

    @property
    def owner(self) -> str | None:
        """Whose orders the run may see: None for staff (anyone's); else the verified email."""
        return None if self.staff else self.customer_email

    @property
    def verified(self) -> bool:
        return self.staff or bool(self.customer_email)
