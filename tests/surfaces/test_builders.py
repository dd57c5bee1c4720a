"""The pure Block Kit builders of the surfaces and the small pure helpers around them."""

from __future__ import annotations

from bot import messages as say
from bot.home.view import HOME_APPROVE_ACTION, HOME_REJECT_ACTION
from bot.approvals.model import Approval
from bot.feedback.blocks import FEEDBACK_ACTION, build_feedback_block, decode_vote, encode_vote
from bot.home.view import HomeApproval, HomeData, HomeThread, build_home_view
from bot.operators.history_modal import (
    FORGET_VIEW,
    REWIND_ACTION,
    build_forget_modal,
    build_history_modal,
    group_turns,
)
from bot.operators.timeline import Step
from bot.slack.status import in_ai_thread, thread_title, tool_status
from bot.threads import place_of


def approval(requester: str = "U1", **changes) -> Approval:
    fields = dict(approval_id=7, interrupt_id="int-7", thread_id="slack:T1:C1:1.1", tool="refund_order",
                  args={"order_id": 1001}, requester=requester, reason="it broke", summary="Refund order 1001 ($129.00)",
                  thread_link="https://x.slack.com/archives/C1/p11", status="pending", decided_by=None,
                  decided_at=None, note=None, edited_args=None, card_channel="C1", card_ts="2.2",
                  created_at=1_700_000_000.0, expires_at=None)
    return Approval(**{**fields, **changes})


def actions(view: dict) -> list[dict]:
    return [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]


def texts(view: dict) -> str:
    return "\n".join((b.get("text") or {}).get("text", "") for b in view["blocks"])


def step(n: int, node: str, on_head: bool = True) -> Step:
    return Step(f"cp{n}", n, f"2026-12-01T21:00:{n:02d}Z", node, n, f"message {n}", on_head=on_head)


# -- feedback ---------------------------------------------------------------------

def test_feedback_block_is_slacks_feedback_buttons_in_a_context_actions_block():
    block = build_feedback_block("slack:T1:C1:1.1", "cp9")
    (element,) = block["elements"]
    assert block["type"] == "context_actions" and element["type"] == "feedback_buttons"
    assert element["action_id"] == FEEDBACK_ACTION
    assert decode_vote(element["positive_button"]["value"]) == decode_vote(encode_vote("positive", "cp9",
                                                                                       "slack:T1:C1:1.1"))
    assert element["negative_button"]["text"]["text"] == say.FEEDBACK_NEGATIVE_LABEL


def test_decode_vote_refuses_what_no_button_of_ours_sends():
    assert decode_vote("negative|cp1|slack:T1:C1:1.1").thread_id == "slack:T1:C1:1.1"
    for value in (None, "", "meh|cp1|slack:T1:C1", "positive||slack:T1:C1", "positive|cp1|cli:x", "positive|cp1"):
        assert decode_vote(value) is None


# -- Home -------------------------------------------------------------------------

def test_home_for_an_approver_has_approve_and_reject_with_the_interrupt_id():
    view = build_home_view(HomeData("UAPP", approvals=[HomeApproval(approval(), may_decide=True)]))
    assert view["type"] == "home"
    assert [(a["action_id"], a["value"]) for a in actions(view)] == [(HOME_APPROVE_ACTION, "int-7"), (HOME_REJECT_ACTION, "int-7")]
    assert "*Refund order 1001 ($129.00)* in <https://x.slack.com/archives/C1/p11|the conversation>" in texts(view)
    assert "<@U1>" in texts(view) and "<!date^1700000000^" in texts(view)


def test_home_shows_an_approvers_own_request_without_buttons():
    view = build_home_view(HomeData("U1", approvals=[HomeApproval(approval(), may_decide=False)]))
    assert actions(view) == [] and "Refund order 1001" in texts(view)


def test_home_for_someone_who_is_not_an_approver_has_no_approvals_section():
    view = build_home_view(HomeData("UOUT", mine=[HomeThread("slack:T1:D1", "https://x/archives/D1", "last activity")]))
    assert actions(view) == [] and say.HOME_APPROVALS not in str(view) and say.HOME_OPERATOR not in str(view)
    assert "• <https://x/archives/D1|slack:T1:D1> — last activity" in texts(view)


def test_home_for_an_operator_lists_threads_or_says_there_are_none():
    assert say.HOME_OPERATOR_NONE in texts(build_home_view(HomeData("UOPS", operator_threads=[])))
    view = build_home_view(HomeData("UOPS", operator_threads=[HomeThread("slack:T1:C1:1.1", None, "negative feedback")]))
    assert "• `slack:T1:C1:1.1` — negative feedback" in texts(view)


# -- history and forget modals -------------------------------------------------------

def test_turns_start_at_each_input_and_end_before_the_next():
    steps = [step(n, node) for n, node in enumerate(["input", "agent", "tools", "agent", "input", "agent"])][::-1]
    assert [[s.checkpoint_id for s in t.steps] for t in group_turns(steps)] == [["cp4", "cp5"], ["cp0", "cp1", "cp2", "cp3"]]


def test_history_modal_offers_rewind_at_each_turns_end_but_not_at_the_head():
    steps = [step(n, node) for n, node in enumerate(["input", "agent", "input", "agent", "input", "agent"])][::-1]
    view = build_history_modal("slack:T1:C1:1.1", steps)
    buttons = [b["accessory"] for b in view["blocks"] if b.get("accessory")]
    assert [b["value"] for b in buttons] == ["cp3", "cp1"] and {b["action_id"] for b in buttons} == {REWIND_ACTION}
    assert all(b["confirm"]["title"]["text"] == say.HISTORY_CONFIRM_TITLE for b in buttons)
    assert view["private_metadata"] == "slack:T1:C1:1.1" and view["type"] == "modal"
    assert all(f"`cp{n}`" in str(view) for n in range(6))


def test_history_modal_strikes_through_checkpoints_a_rewind_set_aside_and_shows_a_note():
    steps = [step(2, "rewind"), step(1, "agent", on_head=False), step(0, "input")]
    view = build_history_modal("slack:T1:C1:1.1", steps, note="Rewound.")
    assert "~`cp1`" in str(view) and "Rewound." in texts(view)


def test_forget_modal_asks_before_erasing_and_names_the_thread():
    view = build_forget_modal("slack:T1:C1:1.1")
    assert view["callback_id"] == FORGET_VIEW and view["submit"]["text"] == say.FORGET_SUBMIT
    assert "slack:T1:C1:1.1" in texts(view)


# -- status -------------------------------------------------------------------------

def test_status_words_for_tools_and_titles():
    assert tool_status("lookup_order", {"order_id": 1003}) == "is looking up order 1003…"
    assert tool_status("lookup_order", {}) == "is running lookup_order…"
    assert tool_status("my_tool", {"x": 1}) == "is running my_tool…"
    assert thread_title("  Where   is\nmy order?  ") == "Where is my order?"
    assert len(thread_title("x" * 500)) == say.TITLE_CHARS and thread_title("x" * 500).endswith("…")


def test_only_dm_threads_are_ai_threads():
    assert in_ai_thread(place_of("T1", "D1", "2.2", "1.1"))
    assert not in_ai_thread(place_of("T1", "D1", "2.2"))
    assert not in_ai_thread(place_of("T1", "C1", "2.2", "1.1"))
