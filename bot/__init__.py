"""Everything Slack and everything operational: config, the Bolt app, inbox and workers, CLI."""
