"""The parts of Slack's app-manifest JSON schema this app's manifest uses, restated as data.

Source of the facts: Slack's published schema (github.com/slackapi/manifest-schema,
``schemas/manifest.schema.2.0.0.json``, which ``_metadata.major_version: 2``
selects). It cannot be downloaded at test time, so the constraints for the
sections we use are written down here: which keys an object may have (the
schema sets ``additionalProperties: false`` throughout), which it must have,
value types, lengths, patterns and enums. Sections we do not use (functions,
workflows, datastores, ...) are only allowed to be absent.
"""

from __future__ import annotations

import re

# A rule is a dict: type, and for objects keys {name: rule} + required; for arrays items + min/max;
# for strings min/max length, pattern, enum.
STR = {"type": "string"}
BOOL = {"type": "boolean"}
INT = {"type": "integer"}
URL = {"type": "string", "pattern": r"^https?://", "max": 3500}
PROMPT = {"type": "object", "required": ["title", "message"], "keys": {"title": STR, "message": STR}}
NAMES = {"type": "array", "max_items": 255, "items": {"type": "string", "max": 50}}
EVENTS = {"type": "array", "max_items": 100, "unique": True, "items": {"type": "string", "max": 50}}

MANIFEST = {"type": "object", "required": ["display_information"], "keys": {
    "$schema": STR,
    "_metadata": {"type": "object", "keys": {"schema_version": INT, "min_version": INT, "major_version": INT,
                                             "minor_version": INT}},
    "display_information": {"type": "object", "required": ["name"], "keys": {
        "name": {"type": "string", "min": 1, "max": 35},
        "description": {"type": "string", "min": 1, "max": 140},
        "background_color": {"type": "string", "pattern": r"^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$", "min": 4, "max": 7},
        "long_description": {"type": "string", "min": 175, "max": 4000}}},
    "features": {"type": "object", "keys": {
        "app_home": {"type": "object", "keys": {"home_tab_enabled": BOOL, "messages_tab_enabled": BOOL,
                                                "messages_tab_read_only_enabled": BOOL}},
        "bot_user": {"type": "object", "required": ["display_name"], "keys": {
            "display_name": {"type": "string", "min": 1, "max": 80}, "always_online": BOOL}},
        "shortcuts": {"type": "array", "min_items": 1, "max_items": 10, "items": {
            "type": "object", "required": ["name", "type", "callback_id", "description"], "keys": {
                "name": {"type": "string", "min": 1, "max": 24},
                "type": {"type": "string", "enum": ["message", "global"]},
                "callback_id": {"type": "string", "min": 1, "max": 255},
                "description": {"type": "string", "min": 1, "max": 150}}}},
        "slash_commands": {"type": "array", "min_items": 1, "max_items": 50, "items": {
            "type": "object", "required": ["command", "description"], "keys": {
                "command": {"type": "string", "pattern": r"^/", "min": 2, "max": 32},
                "description": STR,
                "url": {"type": "string", "pattern": r"^https?://", "max": 3000},
                "usage_hint": {"type": "string", "min": 1, "max": 1000},
                "should_escape": BOOL}}},
        "assistant_view": {"type": "object", "required": ["assistant_description"], "keys": {
            "assistant_description": STR,
            "suggested_prompts": {"type": "array", "items": PROMPT}}},
        "agent_view": {"type": "object", "keys": {
            "agent_description": {"type": "string", "max": 300},
            "suggested_prompts": {"type": "array", "max_items": 4, "items": PROMPT}}},
    }},
    "oauth_config": {"type": "object", "keys": {
        "scopes": {"type": "object", "keys": {"bot": NAMES, "user": NAMES, "bot_optional": NAMES,
                                              "user_optional": NAMES}},
        "token_management_enabled": BOOL, "pkce_enabled": BOOL}},
    "settings": {"type": "object", "keys": {
        "event_subscriptions": {"type": "object", "keys": {"request_url": URL, "bot_events": EVENTS,
                                                           "user_events": EVENTS}},
        "interactivity": {"type": "object", "required": ["is_enabled"], "keys": {
            "is_enabled": BOOL, "request_url": URL, "message_menu_options_url": URL}},
        "org_deploy_enabled": BOOL, "socket_mode_enabled": BOOL, "is_hosted": BOOL,
        "token_rotation_enabled": BOOL}},
}}

_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "integer": int}


def problems(value, rule: dict = MANIFEST, path: str = "$") -> list[str]:
    """Every way ``value`` breaks ``rule``, as "path: what" lines (empty when it conforms)."""
    kind = _TYPES[rule["type"]]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        return [f"{path}: should be {rule['type']}"]
    found: list[str] = []
    if kind is dict:
        found += [f"{path}: missing {k}" for k in rule.get("required", []) if k not in value]
        for key, item in value.items():
            if key not in rule.get("keys", {}):
                found.append(f"{path}: unknown key {key}")
            else:
                found += problems(item, rule["keys"][key], f"{path}.{key}")
    elif kind is list:
        if len(value) < rule.get("min_items", 0) or len(value) > rule.get("max_items", 10**9):
            found.append(f"{path}: {len(value)} items")
        if rule.get("unique") and len(set(map(str, value))) != len(value):
            found.append(f"{path}: items repeat")
        for n, item in enumerate(value):
            found += problems(item, rule["items"], f"{path}[{n}]")
    elif kind is str:
        if not rule.get("min", 0) <= len(value) <= rule.get("max", 10**9):
            found.append(f"{path}: length {len(value)}")
        if "pattern" in rule and not re.search(rule["pattern"], value):
            found.append(f"{path}: does not match {rule['pattern']}")
        if "enum" in rule and value not in rule["enum"]:
            found.append(f"{path}: not one of {rule['enum']}")
    return found
