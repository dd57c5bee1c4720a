from functools import partial

from bot.approvals.card import APPROVE_ACTION, EDIT_ACTION, REJECT_ACTION
from bot.approvals.clicks import on_decision_click, on_edit_click


def register(app, deps) -> None:
    app.action(APPROVE_ACTION)(partial(on_decision_click, deps.approvals, approve=True))
    app.action(REJECT_ACTION)(partial(on_decision_click, deps.approvals, approve=False))
    app.action(EDIT_ACTION)(partial(on_edit_click, deps.approvals))
