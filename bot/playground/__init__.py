"""The playground: a local page that plays Slack against the real Bolt app.

User actions become signed Slack requests into the same Bolt app, inbox and
workers ``serve`` runs; what the bot sends goes to an in-process Web API whose
state the page shows. Nothing in the bot knows, except its Web API base URL.
"""
