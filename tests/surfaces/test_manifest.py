"""manifest.json: Slack's schema (the facts in manifest_rules.py), exactly the scopes the code
needs, and a handler for every event, shortcut and command it declares."""

from __future__ import annotations

import ast
import copy
import json
from pathlib import Path

from slack_sdk.web.async_client import AsyncWebClient

from bot import messages as say
from tests.support.slack_requests import app_mention_event, message_event, message_shortcut_payload, slash_command
from tests.surfaces.conftest import CUSTOMER, OPERATOR, SECRET, interact
from tests.surfaces.manifest_rules import problems
from tests.support.slack_requests import apost_event, event_callback

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = json.loads((ROOT / "manifest.json").read_text())
HISTORY = ("channels:history", "groups:history", "im:history", "mpim:history")

# Bot scopes each Web API method needs (Slack's method reference). A history read may be
# in any kind of conversation the bot is in, so it needs every kind's history scope.
METHOD_SCOPES = {
    "apps.connections.open": set(),  # Socket Mode, on the app-level token's connections:write: no bot scope
    "assistant.threads.setStatus": {"assistant:write"},
    "assistant.threads.setSuggestedPrompts": {"assistant:write"},
    "assistant.threads.setTitle": {"assistant:write"},
    "auth.test": set(),
    "chat.appendStream": {"chat:write"},
    "chat.getPermalink": set(),
    "chat.postEphemeral": {"chat:write"},
    "chat.postMessage": {"chat:write"},
    "chat.startStream": {"chat:write"},
    "chat.stopStream": {"chat:write"},
    "chat.update": {"chat:write"},
    "conversations.history": set(HISTORY),
    "conversations.replies": set(HISTORY),
    "reactions.add": {"reactions:write"},
    "reactions.remove": {"reactions:write"},
    "usergroups.users.list": {"usergroups:read"},
    "users.info": {"users:read", "users:read.email"},  # the customer is their profile email
    "views.open": set(),
    "views.publish": set(),
    "views.update": set(),
}
# Called for us by the Bolt helpers the listeners use (say, set_suggested_prompts, save_thread_context).
BOLT_CALLS = {"chat.postMessage", "assistant.threads.setSuggestedPrompts", "conversations.replies", "chat.update"}
EVENT_SCOPES = {
    "app_home_opened": set(), "app_mention": {"app_mentions:read"},
    "assistant_thread_started": {"assistant:write"}, "assistant_thread_context_changed": {"assistant:write"},
    "message.channels": {"channels:history"}, "message.groups": {"groups:history"},
    "message.im": {"im:history"}, "message.mpim": {"mpim:history"},
}
# The customer identity lookup calls users.info; until it is in the code its scopes are expected anyway.
IDENTITY = {"users:read", "users:read.email"}


def called_methods() -> set[str]:
    """Web API methods called anywhere in bot/ and graph/: ``<anything>.<AsyncWebClient method>(...)``."""
    found = set()
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("graph/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                name = node.func.attr
                if "_" in name and not name.startswith("_") and callable(getattr(AsyncWebClient, name, None)) \
                        and name not in ("api_call",):
                    found.add(name.replace("_", "."))
    return found


def declared_scopes() -> set[str]:
    return set(MANIFEST["oauth_config"]["scopes"]["bot"])


def test_the_manifest_conforms_to_slacks_manifest_schema():
    assert problems(MANIFEST) == []


def test_the_schema_check_catches_what_slack_would_refuse():
    broken = copy.deepcopy(MANIFEST)
    broken["features"]["shortcuts"][0]["name"] = "A shortcut name much too long"
    broken["features"]["shortcuts"][1]["type"] = "thread"
    broken["features"]["assistant_view"].pop("assistant_description")
    broken["settings"]["event_subscriptions"]["bot_events"].append("app_mention")
    broken["oauth_config"]["scope"] = {}
    assert problems(broken) == [
        "$.features.assistant_view: missing assistant_description",
        "$.features.shortcuts[0].name: length 29",
        "$.features.shortcuts[1].type: not one of ['message', 'global']",
        "$.oauth_config: unknown key scope",
        "$.settings.event_subscriptions.bot_events: items repeat",
    ]


def test_every_web_api_method_the_code_calls_is_covered_by_a_declared_scope():
    methods = called_methods() | BOLT_CALLS
    assert {"chat.postMessage", "views.publish", "assistant.threads.setStatus"} <= methods  # the scan finds calls
    unknown = methods - set(METHOD_SCOPES)
    assert not unknown, f"add the scopes of {sorted(unknown)} to METHOD_SCOPES"
    missing = {m: METHOD_SCOPES[m] - declared_scopes() for m in methods if METHOD_SCOPES[m] - declared_scopes()}
    assert missing == {}


def test_no_scope_is_declared_that_nothing_needs():
    methods = called_methods() | BOLT_CALLS
    needed = set().union(*(METHOD_SCOPES[m] for m in methods if m in METHOD_SCOPES))
    needed |= set().union(*(EVENT_SCOPES[e] for e in MANIFEST["settings"]["event_subscriptions"]["bot_events"]))
    if MANIFEST["features"].get("slash_commands") or MANIFEST["features"].get("shortcuts"):
        needed.add("commands")
    if "users.info" not in methods:
        needed |= IDENTITY
    assert declared_scopes() - needed == set()
    assert "users:read.email" in declared_scopes() and "im:write" not in declared_scopes()


def test_the_ai_view_suggests_the_prompts_the_bot_sets_in_new_threads():
    view = MANIFEST["features"]["assistant_view"]
    assert [(p["title"], p["message"]) for p in view["suggested_prompts"]] == say.ASSISTANT_PROMPTS


def sample_event(name: str) -> dict:
    thread = {"user_id": CUSTOMER, "channel_id": "D1", "thread_ts": "1700001000.000100",
              "context": {"channel_id": "C1", "team_id": "T1", "enterprise_id": None}}
    samples = {
        "app_home_opened": {"type": "app_home_opened", "user": CUSTOMER, "channel": "D1", "tab": "home"},
        "app_mention": app_mention_event("C1", CUSTOMER, "hello", "1700001000.000200"),
        "assistant_thread_started": {"type": "assistant_thread_started", "assistant_thread": thread},
        "assistant_thread_context_changed": {"type": "assistant_thread_context_changed", "assistant_thread": thread},
        "message.channels": message_event("C1", CUSTOMER, "hi all", "1700001000.000300", channel_type="channel"),
        "message.groups": message_event("G1", CUSTOMER, "hi", "1700001000.000400", channel_type="group"),
        "message.im": message_event("D1", CUSTOMER, "hi", "1700001000.000500", channel_type="im"),
        "message.mpim": message_event("G2", CUSTOMER, "hi", "1700001000.000600", channel_type="mpim"),
    }
    return samples[name]


async def test_every_declared_event_shortcut_and_command_has_a_handler(bot):
    for name in MANIFEST["settings"]["event_subscriptions"]["bot_events"]:
        status, body = await apost_event(bot.events_url, SECRET, event_callback(sample_event(name)))
        assert status == 200, (name, body)
    for shortcut in MANIFEST["features"]["shortcuts"]:
        body = message_shortcut_payload(OPERATOR, shortcut["callback_id"], "C1", "1700001000.000200")
        assert (await interact(bot, body))[0] == 200, shortcut["callback_id"]
    for command in MANIFEST["features"]["slash_commands"]:
        assert (await interact(bot, slash_command(command["command"], "history", OPERATOR, "C1")))[0] == 200
    await bot.idle()
    # What actually went to Slack meanwhile is covered by the declared scopes too.
    seen = {c.method for c in bot.slack.calls}
    assert {"views.publish", "assistant.threads.setSuggestedPrompts", "chat.postMessage"} <= seen
    assert {m: METHOD_SCOPES.get(m) for m in seen if METHOD_SCOPES.get(m) is None or METHOD_SCOPES[m] - declared_scopes()} == {}


async def test_an_event_the_manifest_does_not_declare_is_acknowledged_and_ignored(bot):
    # A 404 would count as a failed delivery: Slack retries it and may disable the subscription.
    status, _ = await apost_event(bot.events_url, SECRET, event_callback(
        {"type": "reaction_added", "user": CUSTOMER, "reaction": "tada", "item": {"type": "message"}}))
    assert status == 200
    await bot.idle()
    assert bot.slack.calls_to("chat.postMessage") == []
