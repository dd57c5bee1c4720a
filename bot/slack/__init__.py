"""Slack I/O: the Bolt app, its HTTP server, the Web API client, the outbox, streaming and rendering."""
