"""Feedback on answers: the thumbs on every final answer, and the votes they record."""

VOTES = ("positive", "negative")  # here, not in blocks.py: `supportbot threads --help` reads it, lightly
