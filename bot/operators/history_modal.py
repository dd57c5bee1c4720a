"""Pure builders of the modals the message shortcuts open: a thread's checkpoint timeline with
**Rewind to here** on each turn's end, and the confirmation to forget a conversation.

A turn is what one graph run added: it starts at an ``input`` checkpoint (or
a rewind's fork) and ends at the last checkpoint before the next one. The
modal's ``private_metadata`` is the thread id, which the buttons' handlers
read back (and authorise again).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from slack_sdk.models.blocks import (
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot import messages as say
from bot.operators.timeline import Step

HISTORY_SHORTCUT = "conversation_history"
FORGET_SHORTCUT = "forget_conversation"
REWIND_ACTION = "history_rewind"
HISTORY_VIEW = "conversation_history_modal"
FORGET_VIEW = "forget_conversation_modal"
SHOWN_TURNS = 20  # newest turns in the modal (Slack allows 100 blocks; a turn takes 2)
LINE_CHARS = 70
TURN_STARTS = ("input", "rewind", "fork")


@dataclass
class Turn:
    steps: list[Step] = field(default_factory=list)  # oldest first

    @property
    def end(self) -> Step:
        return self.steps[-1]


def group_turns(steps: list[Step]) -> list[Turn]:
    """``steps`` newest first (as ``timeline.history`` gives them) → turns, newest first."""
    turns: list[Turn] = []
    for step in reversed(steps):
        if not turns or step.node in TURN_STARTS:
            turns.append(Turn())
        turns[-1].steps.append(step)
    turns.reverse()
    return turns


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _line(step: Step) -> str:
    last = _escape(step.last_message[:LINE_CHARS])
    line = f"`{step.checkpoint_id}` {step.created_at[11:19]} · step {step.step} · *{step.node}* · {last}"
    return line if step.on_head else f"~{line}~"


def _rewind_button(step: Step) -> ButtonElement:
    return ButtonElement(
        text=say.HISTORY_REWIND, action_id=REWIND_ACTION, value=step.checkpoint_id,
        confirm=ConfirmObject(title=say.HISTORY_CONFIRM_TITLE,
                              text=MarkdownTextObject(text=say.HISTORY_CONFIRM_TEXT.format(checkpoint=step.checkpoint_id)),
                              confirm=say.HISTORY_CONFIRM_OK, deny=say.HISTORY_CANCEL))


def build_history_modal(thread_id: str, steps: list[Step], note: str | None = None) -> dict:
    turns = group_turns(steps)
    head = steps[0].checkpoint_id if steps else None
    blocks: list = [SectionBlock(text=MarkdownTextObject(text=f"*{_escape(thread_id)}*")),
                    ContextBlock(elements=[MarkdownTextObject(text=say.HISTORY_SHOWN.format(
                        shown=sum(len(t.steps) for t in turns[:SHOWN_TURNS]), total=len(steps)))])]
    if note:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=note[:2900])))
    numbered = list(zip(range(len(turns), 0, -1), turns))  # newest first, numbered from the oldest
    for n, turn in numbered[:SHOWN_TURNS]:
        lines = "\n".join(_line(s) for s in reversed(turn.steps))
        text = f"*{say.HISTORY_TURN.format(n=n)}*\n{lines}"[:2900]
        end = turn.end
        accessory = _rewind_button(end) if end.checkpoint_id != head else None
        blocks += [DividerBlock(), SectionBlock(text=MarkdownTextObject(text=text), accessory=accessory)]
    return View(type="modal", callback_id=HISTORY_VIEW, private_metadata=thread_id,
                title=PlainTextObject(text=say.HISTORY_TITLE), close=PlainTextObject(text="Close"),
                blocks=blocks).to_dict()


def build_forget_modal(thread_id: str) -> dict:
    return View(type="modal", callback_id=FORGET_VIEW, private_metadata=thread_id,
                title=PlainTextObject(text=say.FORGET_TITLE[:24]), submit=PlainTextObject(text=say.FORGET_SUBMIT),
                close=PlainTextObject(text=say.HISTORY_CANCEL),
                blocks=[SectionBlock(text=MarkdownTextObject(text=say.FORGET_CONFIRM.format(
                    thread_id=_escape(thread_id))))]).to_dict()


def build_notice_modal(title: str, text: str) -> dict:
    """What a modal turns into once its job is done (or refused)."""
    return View(type="modal", title=PlainTextObject(text=title[:24]), close=PlainTextObject(text="Close"),
                blocks=[SectionBlock(text=MarkdownTextObject(text=text[:2900]))]).to_dict()
