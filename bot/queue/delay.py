"""A turn's clock: one sentence when the answer is late, and the deadline after which it fails.

Both count from when the turn's oldest item was accepted, so time spent waiting in
the inbox (a backlog, a retry's back-off, a crashed worker's lease) counts too. The
notice is posted through the outbox under a key of the turn (``notice_key``), so a
retry or a crash never posts it twice; the final failure sentence replaces it.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time

from langchain_core.callbacks import AsyncCallbackHandler

from bot import messages as say
from bot.queue.inbox import Item, LeaseLost
from bot.slack.outbox import ThreadOut, notice_key

log = logging.getLogger(__name__)


class TurnDeadline(Exception):
    """The turn took longer than SUPPORTBOT_TURN_DEADLINE_SECONDS: it fails, not retried."""


def turn_started(items: list[Item]) -> float:
    return min(i.created_at for i in items)


def is_model_error(exc: BaseException | None) -> bool:
    """A failure of the model endpoint (an openai error, or a call cut at its timeout)."""
    openai = sys.modules.get("openai")
    return isinstance(exc, TimeoutError) or (openai is not None and isinstance(exc, openai.OpenAIError))


class ModelWatch(AsyncCallbackHandler):
    """LangChain callback: is the model the trouble right now (failing, or called and silent),
    or is it writing the answer (then the turn is late, not stuck)?"""

    def __init__(self) -> None:
        # Started and not ended: in flight, or cut at its timeout (a cancelled streamed call
        # reports no error to callbacks).
        self.calls: set = set()
        self.failed = False
        self.spoke = False  # a call of this run wrote text and finished: the user has (or soon has) it
        self.quiet = asyncio.Event()  # no call is writing text right now
        self.quiet.set()

    async def on_chat_model_start(self, serialized, messages, *, run_id, **kwargs) -> None:
        self.failed = self.failed or bool(self.calls)  # the previous call never ended: it was cut
        self.calls = {run_id}
        self.quiet.set()

    async def on_llm_new_token(self, token, *, run_id, **kwargs) -> None:
        if token:
            self.quiet.clear()

    async def on_llm_end(self, response, *, run_id, **kwargs) -> None:
        self.calls.discard(run_id)
        self.spoke = self.spoke or not self.quiet.is_set()
        self.failed = False
        self.quiet.set()

    async def on_llm_error(self, error, *, run_id, **kwargs) -> None:
        self.calls.discard(run_id)
        self.failed = True
        self.quiet.set()

    @property
    def trouble(self) -> bool:
        return self.failed or bool(self.calls)


class DelayNotice:
    """Per run: a timer that posts the notice when the turn is ``after`` seconds old.
    ``async with`` starts it and stops it when the run ends, answered or not."""

    def __init__(self, out: ThreadOut | None, items: list[Item], after: float) -> None:
        self.out = out
        self.key = notice_key(items[0].thread_id, items[0].item_id)
        self.due = turn_started(items) + after
        self.grace = min(after / 4, 5.0)
        self.watch = ModelWatch()
        self._timer: asyncio.Task | None = None
        self._posting = False

    async def __aenter__(self) -> "DelayNotice":
        if self.out is not None:
            self._timer = asyncio.create_task(self._wait_and_post(), name=f"notice:{self.key}")
        return self

    async def __aexit__(self, *exc) -> None:
        if self._timer is not None:
            if not self._posting:  # one on its way is let through: the outbox keeps it once
                self._timer.cancel()
            await asyncio.gather(self._timer, return_exceptions=True)

    def late_by(self, seconds: float) -> bool:
        """Will the turn have no answer by its notice time if it waits ``seconds`` more?"""
        return time.time() + seconds >= self.due

    async def _wait_and_post(self) -> None:
        # Already late (a restart, a backlog, a retry's back-off): a moment for the run to reach
        # its model call first, so the sentence can say whether the model is the trouble.
        await asyncio.sleep(max(self.due - time.time(), min(self.grace, 1.0)))
        # A call writing text may be the answer, done in a moment: a short grace, not more
        # (a model trickling slower than its timeout writes too).
        try:
            async with asyncio.timeout(self.grace):
                await self.watch.quiet.wait()
        except TimeoutError:
            pass
        if not self.watch.spoke:
            self._posting = True
            await self.post(model=self.watch.trouble)

    async def post(self, *, model: bool) -> None:
        """Post the notice (once per turn: the outbox keeps the first one)."""
        if self.out is None:
            return
        try:
            await self.out.post(self.key, say.DELAY_MODEL if model else say.DELAY_OTHER, kind="notice")
            log.info("delay notice posted", extra={"thread_id": self.out.place.thread_id, "model": model})
        except LeaseLost:
            pass  # the run stops on its own; whoever takes over keeps the clock
        except Exception:  # Slack or the database failing: the next run tries again
            log.warning("could not post the delay notice", extra={"thread_id": self.out.place.thread_id},
                        exc_info=True)
