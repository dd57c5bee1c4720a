"""The support agent: state, nodes, tools, approval gate and storage. Knows nothing of Slack."""
