"""Human-in-the-loop approvals: risky tool calls pause, a card in Slack decides.

* ``pauses``     the worker's ``on_pause``: an approvals row and a card per interrupt
* ``card``       pure Block Kit builders and the action ids (``edit`` for the modal)
* ``authz``      who may decide (SUPPORTBOT_APPROVERS, SUPPORTBOT_APPROVER_GROUP, never the requester)
* ``store``      the atomic decision + audit row + resume item, in one transaction
* ``decisions``  ``Approvals``: what listeners and the expiry task call
* ``clicks``     the listener flows (ack only after the decision is stored)
* ``reconcile``  the periodic repair: pauses without a card, messages held behind no pending approval
* ``setup``      ``attach(service)``
"""
