"""Pure pieces: the card and modal builders, argument edits, who may decide, durations."""

from __future__ import annotations

import time

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot import messages as say
from bot.approvals.authz import NONE_CONFIGURED, NOT_APPROVER, SELF, Approvers
from bot.approvals.card import (
    APPROVE_ACTION,
    EDIT_ACTION,
    REJECT_ACTION,
    build_approval_card,
    button_value,
    card_text,
    describe_action,
)
from bot.approvals.edit import ARG_BLOCK, NOTE_BLOCK, build_edit_modal, changed, check_args, read_edit
from bot.approvals.links import built_link
from bot.approvals.model import Approval, humanize_seconds
from bot.cli.approvals import age
from bot.operators.output import table
from bot.threads import SlackPlace


def approval(**overrides) -> Approval:
    fields = dict(
        approval_id=7, interrupt_id="int-1", thread_id="slack:T1:C1:100.000001", tool="refund_order",
        args={"order_id": 1001, "reason": "arrived broken"}, requester="U1", reason="arrived broken",
        summary="Refund order 1001 ($129.00)", thread_link="https://x.slack.com/archives/C1/p100000001",
        status="pending", decided_by=None, decided_at=None, note=None, edited_args=None, card_channel="C1",
        card_ts="1.2", created_at=1_700_000_000.0, expires_at=None)
    return Approval(**{**fields, **overrides})


def test_a_pending_card_says_what_who_why_where_and_has_the_three_buttons():
    blocks = build_approval_card(approval())
    text = str(blocks)
    assert "Refund order 1001 ($129.00)" in text and "<@U1>" in text and "arrived broken" in text
    assert "<https://x.slack.com/archives/C1/p100000001|the conversation> in <#C1>" in text
    (actions,) = [b for b in blocks if b["type"] == "actions"]
    assert [(e["text"]["text"], e["action_id"]) for e in actions["elements"]] == [
        ("Approve", APPROVE_ACTION), ("Reject", REJECT_ACTION), ("Edit…", EDIT_ACTION)]
    assert {button_value(blocks, a) for a in (APPROVE_ACTION, REJECT_ACTION, EDIT_ACTION)} == {"int-1"}
    assert [Block.parse(b).to_dict() for b in blocks] == blocks  # valid Block Kit, nothing dropped
    assert card_text(approval()) == "Approval needed: Refund order 1001 ($129.00), asked by <@U1>"


@pytest.mark.parametrize("status, starts", [
    ("approved", "Approved by <@U2> at <!date^1700000100^"), ("rejected", "Rejected by <@U2> at"),
    ("expired", "Expired at"), ("void", "Withdrawn at")])
def test_a_decided_card_says_who_and_when_and_has_no_buttons(status, starts):
    decided = approval(status=status, decided_by="U2", decided_at=1_700_000_100.0)
    blocks = build_approval_card(decided)
    assert card_text(decided).startswith(starts)
    assert button_value(blocks, APPROVE_ACTION) is None and not [b for b in blocks if b["type"] == "actions"]


def test_card_text_escapes_what_the_model_wrote():
    blocks = build_approval_card(approval(reason="<!channel> & <@U9>", args={"order_id": 1, "reason": "<!here>"}))
    assert "<!channel>" not in str(blocks) and "&lt;!channel&gt; &amp; &lt;@U9&gt;" in str(blocks)
    assert "<!here>" not in str(blocks)


def test_describe_action_in_plain_words():
    assert describe_action("refund_order", {"order_id": 1001}, "$129.00") == "Refund order 1001 ($129.00)"
    assert describe_action("cancel_order", {"order_id": 1005}) == "Cancel order 1005"
    assert describe_action("refund_order", {}) == "Run refund_order"
    assert describe_action("wire_money", {"to": "x"}) == "Run wire_money"


def test_the_edit_modal_round_trips_and_validates_like_the_graph():
    view = build_edit_modal(approval())
    assert View(**view).to_dict()["callback_id"] == view["callback_id"]
    values = {ARG_BLOCK + "order_id": {"value": {"value": "1002"}},
              ARG_BLOCK + "reason": {"value": {"value": "wrong item"}}, NOTE_BLOCK: {"value": {"value": " ok "}}}
    edited, note = read_edit(approval(), values)
    assert (edited, note) == ({"order_id": 1002, "reason": "wrong item"}, "ok")
    args, errors = check_args("refund_order", edited)
    assert errors == {} and changed(approval().args, args) == {"order_id": 1002, "reason": "wrong item"}

    _, errors = check_args("refund_order", {"order_id": "abc", "reason": ""})
    assert set(errors) == {ARG_BLOCK + "order_id", ARG_BLOCK + "reason"}
    assert check_args("unknown_tool", {"x": 1}) == ({"x": 1}, {})


def test_a_thread_link_is_built_when_slack_has_no_permalink():
    place = SlackPlace("slack:T1:C1:100.000001", "T1", "C1", "100.000001", False)
    assert built_link("https://acme.slack.com/", place) == "https://acme.slack.com/archives/C1/p100000001"
    dm = SlackPlace("slack:T1:D1", "T1", "D1", None, True)
    assert built_link("https://acme.slack.com", dm) == "https://acme.slack.com/archives/D1"


class _GroupClient:
    def __init__(self, members):
        self.members, self.calls = members, 0

    async def usergroups_users_list(self, usergroup):
        self.calls += 1
        return {"ok": True, "users": self.members}


async def test_who_may_decide():
    client = _GroupClient(["UG"])
    approvers = Approvers(client, ["UA"], "S1")
    assert await approvers.refusal("UA", "U1") is None
    assert await approvers.refusal("UG", "U1") is None
    assert await approvers.refusal("UA", "UA") == SELF  # never the requester, approver or not
    assert await approvers.refusal("UX", "U1") == NOT_APPROVER
    assert client.calls == 1  # the group is cached
    assert await Approvers(client, [], None).refusal("UA", "U1") == NONE_CONFIGURED
    assert approvers.explain(SELF) == say.APPROVAL_SELF
    assert "<@UA>" in approvers.explain(NOT_APPROVER) and "<!subteam^S1>" in approvers.explain(NOT_APPROVER)


def test_durations_read_naturally():
    assert [humanize_seconds(s) for s in (1, 45, 60, 5400, 86400, 172800)] == [
        "1 second", "45 seconds", "1 minute", "1.5 hours", "1 day", "2 days"]
    now = time.time()
    assert [age(now - s, now) for s in (5, 120, 7200, 200000)] == ["5s", "2m", "2h", "2d"]
    assert table([{"a": "ccc", "b": "d"}], [("a", "A"), ("b", "BB")], rule=False) + "\n" == "A    BB\nccc  d\n"
