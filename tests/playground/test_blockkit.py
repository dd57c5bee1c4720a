"""The Block Kit renderer: known blocks drawn, unknown ones shown as JSON, text always escaped."""

from __future__ import annotations

import html
import json
import re

from bot.approvals.card import build_approval_card
from bot.approvals.model import PENDING
from bot.playground.blockkit import Renderer
from bot.playground.state_values import missing_required, state_values
from bot.playground.text import markdown, mrkdwn

names = {"UADA": "Ada Lovelace", "CSUPPORT": "support"}.get
render = Renderer(names)


def actions_in(out: str) -> list[dict]:
    return [json.loads(html.unescape(a)) for a in re.findall(r'data-action="([^"]*)"', out)]


def test_unknown_block_types_are_shown_as_json_not_dropped():
    out = render.blocks([{"type": "sparkle_table", "rows": [[1, 2]]}])
    assert "sparkle_table" in out and "shown as JSON" in out and "&quot;rows&quot;" in out


def test_unknown_elements_inside_known_blocks_are_shown_too():
    out = render.blocks([{"type": "actions", "elements": [{"type": "rocket_launcher", "action_id": "x"}]}])
    assert "rocket_launcher" in out and "shown as JSON" in out


def test_text_is_escaped_everywhere():
    out = render.blocks([{"type": "section", "text": {"type": "mrkdwn", "text": "<script>alert(1)</script> *b*"}},
                         {"type": "markdown", "text": "<img src=x onerror=alert(1)>"}])
    assert "<script>" not in out and "<img src=x" not in out and "<b>b</b>" in out


def test_mrkdwn_mentions_links_and_styles():
    out = mrkdwn("Hi <@UADA>, see <https://example.com/a?b=1&c=2|this> in <#CSUPPORT> _now_ ~x~ `*no*`", names)
    assert "@Ada Lovelace" in out and 'href="https://example.com/a?b=1&amp;c=2"' in out
    assert "#support" in out and "<i>now</i>" in out and "<s>x</s>" in out and "<code>*no*</code>" in out


def test_markdown_blocks_show_mentions_too():
    out = render.blocks([{"type": "markdown", "text": "asked in <#CSUPPORT> by <@UADA> **now**"}])
    assert "#support" in out and "@Ada Lovelace" in out and "<b>now</b>" in out and "&lt;#" not in out


def test_markdown_lists_code_and_links():
    out = markdown("**Order** 1001:\n- one\n- two\n\n```\na < b\n```\n[docs](https://example.com)")
    assert "<b>Order</b>" in out and out.count("<li>") == 2 and "<pre>a &lt; b</pre>" in out
    assert 'href="https://example.com"' in out


def test_buttons_carry_their_action_and_confirm_dialog():
    button = {"type": "button", "action_id": "approval_approve", "value": "int-1", "style": "primary",
              "text": {"type": "plain_text", "text": "Approve"},
              "confirm": {"title": {"type": "plain_text", "text": "Refund?"}, "text": {"type": "mrkdwn", "text": "*$129.00*"},
                          "confirm": {"type": "plain_text", "text": "Yes, refund"}, "deny": {"type": "plain_text", "text": "No"}}}
    out = render.blocks([{"type": "actions", "block_id": "b1", "elements": [button]}])
    assert actions_in(out) == [{"action_id": "approval_approve", "block_id": "b1", "type": "button", "value": "int-1"}]
    confirm = json.loads(html.unescape(re.search(r'data-confirm="([^"]*)"', out).group(1)))
    assert confirm["title"] == "Refund?" and "<b>$129.00</b>" in confirm["text"] and confirm["confirm"] == "Yes, refund"
    assert "bk-primary" in out


def test_feedback_buttons_in_context_actions_send_their_values():
    block = {"type": "context_actions", "block_id": "fb", "elements": [{
        "type": "feedback_buttons", "action_id": "answer_feedback",
        "positive_button": {"text": {"type": "plain_text", "text": "Good"}, "value": "good"},
        "negative_button": {"text": {"type": "plain_text", "text": "Bad"}, "value": "bad"}}]}
    out = render.blocks([block])
    assert [a["value"] for a in actions_in(out)] == ["good", "bad"]
    assert {a["type"] for a in actions_in(out)} == {"feedback_buttons"}


def test_the_approval_card_renders_with_its_three_buttons():
    from bot.approvals.model import Approval

    fields = {f: None for f in Approval.__dataclass_fields__}
    fields.update(interrupt_id="int-7", thread_id="slack:T:C1:1.0", tool="refund_order",
                  args={"order_id": 1001, "reason": "broken"}, status=PENDING, requester="UADA")
    approval = Approval(**{k: v for k, v in fields.items() if k in Approval.__dataclass_fields__})
    out = render.blocks(build_approval_card(approval))
    assert [a["action_id"] for a in actions_in(out)] == ["approval_approve", "approval_reject", "approval_edit"]
    assert "Refund order 1001" in out and "@Ada Lovelace" in out


def test_a_submission_has_slacks_state_values_shape_and_required_inputs_are_checked():
    blocks = [
        {"type": "input", "block_id": "reason", "label": {"type": "plain_text", "text": "Reason"},
         "element": {"type": "plain_text_input", "action_id": "value"}},
        {"type": "input", "block_id": "kind", "optional": True, "label": {"type": "plain_text", "text": "Kind"},
         "element": {"type": "static_select", "action_id": "pick", "options": [
             {"text": {"type": "plain_text", "text": "Full"}, "value": "full"}]}},
        {"type": "input", "block_id": "flags", "optional": True, "label": {"type": "plain_text", "text": "Flags"},
         "element": {"type": "checkboxes", "action_id": "on", "options": [
             {"text": {"type": "plain_text", "text": "Notify"}, "value": "notify"}]}},
    ]
    values = state_values(blocks, {"reason": {"value": "late"}, "kind": {"pick": "full"}, "flags": {"on": ["notify"]}})
    assert values["reason"]["value"] == {"type": "plain_text_input", "value": "late"}
    assert values["kind"]["pick"]["selected_option"]["value"] == "full"
    assert [o["value"] for o in values["flags"]["on"]["selected_options"]] == ["notify"]
    assert missing_required(blocks, values) == {}
    empty = state_values(blocks, {})
    assert missing_required(blocks, empty) == {"reason": "Please complete this required field."}


def test_a_home_view_and_a_modal_render_their_frames():
    view = render.view({"type": "modal", "title": {"type": "plain_text", "text": "Edit"},
                        "submit": {"type": "plain_text", "text": "Approve"}, "blocks": [{"type": "divider"}]})
    assert view["title"] == "Edit" and view["submit"] == "Approve" and "bk-divider" in view["blocks"]
