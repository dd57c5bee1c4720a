"""Prometheus metrics (``GET /metrics``), one registry per process."""

from __future__ import annotations

import time

from langchain_core.callbacks import AsyncCallbackHandler
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.deliveries = Counter("supportbot_deliveries", "Slack deliveries by outcome", ["outcome"], registry=r)
        self.ack_seconds = Histogram("supportbot_ack_seconds", "Time from request to ack", registry=r,
                                     buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
        self.runs = Counter("supportbot_runs", "Thread runs by outcome", ["outcome"], registry=r)
        self.run_seconds = Histogram("supportbot_run_seconds", "Duration of a thread run", registry=r,
                                     buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120))
        self.model_seconds = Histogram("supportbot_model_seconds", "Duration of one model call", registry=r,
                                       buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
        self.model_calls = Counter("supportbot_model_calls", "Chat-model calls by outcome", ["outcome"], registry=r)
        self.inbox_depth = Gauge("supportbot_inbox_depth", "Open inbox items", registry=r)
        self.inbox_oldest_age = Gauge("supportbot_inbox_oldest_age_seconds", "Age of the oldest open item", registry=r)
        self.approvals_pending = Gauge("supportbot_approvals_pending", "Approvals waiting for a decision", registry=r)
        self.checkpoint_bytes = Histogram("supportbot_checkpoint_bytes", "Serialized size of each checkpoint",
                                          registry=r, buckets=(1e3, 5e3, 2e4, 1e5, 5e5, 2e6, 1e7))


METRICS = Metrics()



class ModelTimer(AsyncCallbackHandler):
    """LangChain callback: times each chat-model call into ``supportbot_model_seconds``."""

    def __init__(self) -> None:
        self.started: dict = {}

    async def on_chat_model_start(self, serialized, messages, *, run_id, **kwargs) -> None:
        self.started[run_id] = time.perf_counter()

    async def on_llm_end(self, response, *, run_id, **kwargs) -> None:
        self._done(run_id, "ok")

    async def on_llm_error(self, error, *, run_id, **kwargs) -> None:
        self._done(run_id, "error")

    def _done(self, run_id, outcome: str) -> None:
        began = self.started.pop(run_id, None)
        if began is not None:
            METRICS.model_seconds.observe(time.perf_counter() - began)
            METRICS.model_calls.labels(outcome=outcome).inc()
