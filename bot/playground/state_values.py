"""A view's ``state.values`` as Slack builds it, from what the page's inputs hold.

The page sends plain strings (or lists of them, for checkboxes); the element's
definition in the view says which shape Slack would send for it.
"""

from __future__ import annotations


def _inputs(blocks: list[dict]):
    for block in blocks or []:
        if block.get("type") == "input" and isinstance(block.get("element"), dict):
            yield block.get("block_id", ""), block["element"]
        elif block.get("type") in ("actions", "section"):
            elements = block.get("elements") or ([block["accessory"]] if block.get("accessory") else [])
            for element in elements:
                if element.get("type") in SHAPES:
                    yield block.get("block_id", ""), element


def _option(element: dict, value: str) -> dict | None:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    return next((o for o in options if str(o.get("value")) == value), None)


def _text(element, raw):
    return {"value": raw if raw not in (None, "") else None}


def _select(element, raw):
    return {"selected_option": _option(element, raw) if raw else None}


def _many(element, raw):
    chosen = raw if isinstance(raw, list) else ([raw] if raw else [])
    return {"selected_options": [o for o in (_option(element, v) for v in chosen) if o]}


SHAPES = {
    "plain_text_input": _text, "number_input": _text, "email_text_input": _text, "url_text_input": _text,
    "static_select": _select, "radio_buttons": _select, "checkboxes": _many, "multi_static_select": _many,
    "datepicker": lambda e, raw: {"selected_date": raw or None},
    "timepicker": lambda e, raw: {"selected_time": raw or None},
    "users_select": lambda e, raw: {"selected_user": raw or None},
    "conversations_select": lambda e, raw: {"selected_conversation": raw or None},
}


def state_values(blocks: list[dict], raw: dict) -> dict:
    """``raw`` is ``{block_id: {action_id: str | list[str]}}`` from the page."""
    values: dict[str, dict] = {}
    for block_id, element in _inputs(blocks):
        action_id = element.get("action_id", "")
        shape = SHAPES.get(element.get("type"))
        if shape is None:
            continue
        given = (raw.get(block_id) or {}).get(action_id)
        values.setdefault(block_id, {})[action_id] = {"type": element["type"], **shape(element, given)}
    return values


def missing_required(blocks: list[dict], values: dict) -> dict[str, str]:
    """What Slack itself refuses before the app hears of it: a required input left empty."""
    errors = {}
    for block in blocks or []:
        if block.get("type") != "input" or block.get("optional"):
            continue
        entry = next(iter((values.get(block.get("block_id", "")) or {}).values()), {})
        if not any(v for k, v in entry.items() if k != "type"):
            errors[block.get("block_id", "")] = "Please complete this required field."
    return errors
