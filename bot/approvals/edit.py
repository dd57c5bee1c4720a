"""The **Edit…** modal: the request's arguments as inputs; submitting approves the edited ones.

Pure: ``build_edit_modal`` makes the view, ``read_edit`` turns a submission's
``state.values`` back into arguments (and a note), ``check_args`` validates them
the way the graph will (``graph.tools``) and names the input that is wrong.
"""

from __future__ import annotations

import json

from pydantic import ValidationError
from slack_sdk.models.blocks import InputBlock, MarkdownTextObject, PlainTextInputElement, SectionBlock
from slack_sdk.models.views import View

from bot import messages as say
from bot.approvals.card import describe_action
from bot.approvals.model import Approval
from bot.storable import storable
from graph.tools import DEFAULT_TOOLS, ToolSpec

EDIT_VIEW = "approval_edit_view"  # the modal's callback_id
ARG_BLOCK = "approval_arg:"  # + argument name
NOTE_BLOCK = "approval_note"
INPUT_ACTION = "value"
LONG_TEXT = 80
MAX_INPUT = 3000  # Slack's plain_text_input limit
MAX_NOTE = 2000  # a note is a sentence or two, not a document


def tool_spec(name: str, tools=DEFAULT_TOOLS) -> ToolSpec | None:
    return next((spec for spec in tools if spec.name == name), None)


def _shown(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def build_edit_modal(approval: Approval) -> dict:
    intro = say.EDIT_INTRO.format(action=describe_action(approval.tool, approval.final_args))
    blocks: list = [SectionBlock(text=MarkdownTextObject(text=intro[:2900]))]
    for name, value in approval.final_args.items():
        shown = _shown(value)
        blocks.append(InputBlock(
            block_id=ARG_BLOCK + name, label=name[:2000],
            element=PlainTextInputElement(action_id=INPUT_ACTION, initial_value=shown[:MAX_INPUT],
                                          max_length=MAX_INPUT,
                                          multiline=len(shown) > LONG_TEXT or name == "reason")))
    blocks.append(InputBlock(
        block_id=NOTE_BLOCK, optional=True, label=say.EDIT_NOTE_LABEL,
        element=PlainTextInputElement(action_id=INPUT_ACTION, multiline=True, max_length=MAX_NOTE)))
    return View(type="modal", callback_id=EDIT_VIEW, private_metadata=approval.interrupt_id,
                title=say.EDIT_TITLE, submit=say.EDIT_SUBMIT, close=say.EDIT_CLOSE, blocks=blocks).to_dict()


def read_edit(approval: Approval, values: dict) -> tuple[dict, str | None]:
    """(edited arguments, note) from a view_submission's ``state.values``.

    A text argument stays text; any other (numbers, lists...) is read as JSON,
    and kept as typed when it is not JSON, for validation to judge.
    """
    edited: dict = {}
    for name, original in approval.final_args.items():
        raw = ((values.get(ARG_BLOCK + name) or {}).get(INPUT_ACTION) or {}).get("value")
        if raw is None:
            continue
        if isinstance(original, str):
            edited[name] = raw
        else:
            try:
                edited[name] = storable(json.loads(raw))  # JSON's "\u0000" is a NUL again
            except ValueError:
                edited[name] = raw
    note = ((values.get(NOTE_BLOCK) or {}).get(INPUT_ACTION) or {}).get("value")
    return edited, (note.strip() or None) if isinstance(note, str) else None


def note_problem(note: str | None) -> dict[str, str]:
    """{NOTE_BLOCK: problem} for a note too long to store (Slack's own limit is client-side only)."""
    if note and len(note) > MAX_NOTE:
        return {NOTE_BLOCK: say.APPROVAL_NOTE_TOO_LONG.format(limit=MAX_NOTE, length=len(note))}
    return {}


def check_args(tool: str, args: dict, tools=DEFAULT_TOOLS) -> tuple[dict, dict[str, str]]:
    """(validated arguments, {block_id: problem}); unknown tools are left to the graph."""
    spec = tool_spec(tool, tools)
    if spec is None:
        return args, {}
    try:
        return spec.args.model_validate(args).model_dump(), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else ""
            block = ARG_BLOCK + name if name in args else next(iter(ARG_BLOCK + n for n in args), NOTE_BLOCK)
            errors.setdefault(block, say.APPROVAL_BAD_ARGS.format(problem=error["msg"]))
        return args, errors


def changed(original: dict, edited: dict) -> dict:
    """Only the arguments the approver changed."""
    return {k: v for k, v in edited.items() if original.get(k) != v}
