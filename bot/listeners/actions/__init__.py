from functools import partial

from bot.approvals.card import APPROVE_ACTION, EDIT_ACTION, REJECT_ACTION
from bot.approvals.clicks import on_decision_click, on_edit_click
from bot.feedback.blocks import FEEDBACK_ACTION
from bot.home.view import HOME_APPROVE_ACTION, HOME_REJECT_ACTION
from bot.listeners.actions.handle_feedback import handle_feedback
from bot.listeners.actions.handle_home_decision import handle_home_decision


def register(app, deps) -> None:
    app.action(APPROVE_ACTION)(partial(on_decision_click, deps.approvals, approve=True))
    app.action(REJECT_ACTION)(partial(on_decision_click, deps.approvals, approve=False))
    app.action(EDIT_ACTION)(partial(on_edit_click, deps.approvals))
    app.action(FEEDBACK_ACTION)(partial(handle_feedback, deps))
    app.action(HOME_APPROVE_ACTION)(partial(handle_home_decision, deps, approve=True))
    app.action(HOME_REJECT_ACTION)(partial(handle_home_decision, deps, approve=False))
