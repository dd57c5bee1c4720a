"""Feedback on answers: the thumbs on every final answer, and the votes they record."""
