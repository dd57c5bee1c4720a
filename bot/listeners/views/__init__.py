from functools import partial

from bot.approvals.clicks import on_edit_submission
from bot.approvals.edit import EDIT_VIEW


def register(app, deps) -> None:
    app.view(EDIT_VIEW)(partial(on_edit_submission, deps.approvals))
