"""Prometheus series for the bot: the core's ``Metrics`` port, and what the edges count.

One ``CollectorRegistry`` per runtime (not the library's global one), so tests and two runtimes in
one process never share counters. Names follow Prometheus conventions: ``practice_bot_`` prefix,
``_total`` on counters (the library adds it), base units (seconds), and labels from closed sets only:
a command's name, an outcome, an outbox purpose, a platform, a Web API method or route template,
an LLM fallback reason. Never a person's, channel's or workspace's id.
"""

from __future__ import annotations

import logging
import re
import time
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.core.metrics import Count, Timing
from bot.observability.ports import OperationsStore

if TYPE_CHECKING:
    from bot.core.metrics import Metrics

log = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST
SEND_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
TICK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LATENESS_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
LLM_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


def reason_label(reason: str) -> str:
    """A fallback reason as a label: ``LLM error (HTTP 503)`` -> ``llm_error_http`` (numbers dropped,
    so a status code or a size never makes a new series)."""
    words = re.findall(r"[a-z]+", reason.lower())
    return "_".join(words)[:40] or "unknown"


def route_label(path: str) -> str:
    """A URL path with its ids made a template: ``/channels/123/messages`` -> ``/channels/{id}/messages``."""
    path = path.split("?", 1)[0]
    path = re.sub(r"https?://[^/]+", "", path)
    path = re.sub(r"/api/v\d+", "", path)
    return re.sub(r"/[0-9]+(?=/|$)", "/{id}", path)[:80]


class PrometheusMetrics:
    """Every series the bot exports. ``count``/``observe`` implement the core's port."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        r = self.registry
        self.commands = Counter("practice_bot_commands", "Commands handled, by command and outcome "
                                "(ok, refused: a user error shown to the person, error: an apology)",
                                ["command", "outcome"], registry=r)
        self.answers = Counter("practice_bot_answers_recorded", "Answers recorded (redeliveries not counted)",
                               ["kind"], registry=r)
        self.outbox_sent = Counter("practice_bot_outbox_sent", "Outbox rows delivered", ["purpose"], registry=r)
        self.outbox_failed = Counter("practice_bot_outbox_failed", "Outbox deliveries that failed (retried later "
                                     "or dead)", ["purpose"], registry=r)
        self.outbox_retried = Counter("practice_bot_outbox_retried", "Outbox deliveries that were a retry",
                                      ["purpose"], registry=r)
        self.outbox_send_seconds = Histogram("practice_bot_outbox_send_seconds", "Time one outbox delivery took",
                                             ["purpose"], buckets=SEND_BUCKETS, registry=r)
        self.outbox_rows = Gauge("practice_bot_outbox_rows", "Outbox rows not yet sent, by state (the whole "
                                 "database: every replica reports the same)", ["state"], registry=r)
        self.live_interviews = Gauge("practice_bot_live_interviews", "Interviews running now (the whole database)",
                                     registry=r)
        self.rate_limited = Counter("practice_bot_rate_limited", "429 answers from a chat platform",
                                    ["platform", "method"], registry=r)
        self.tick_seconds = Histogram("practice_bot_tick_duration_seconds", "Time one tick of the clock took",
                                      buckets=TICK_BUCKETS, registry=r)
        self.due_lateness = Histogram("practice_bot_due_lateness_seconds", "How long after its due time a tick "
                                      "planned for due work began", buckets=LATENESS_BUCKETS, registry=r)
        self.last_tick = Gauge("practice_bot_last_tick_timestamp_seconds", "When the last tick ended (Unix time)",
                               registry=r)
        self.llm_calls = Counter("practice_bot_llm_calls", "LLM requests (scoring, follow-up questions) by outcome "
                                 "(ok, fallback: the offline scorer answered, none: no follow-up came back)",
                                 ["purpose", "outcome"], registry=r)
        self.llm_seconds = Histogram("practice_bot_llm_call_seconds", "Time one LLM request took (retries included)",
                                     ["purpose"], buckets=LLM_BUCKETS, registry=r)
        self.llm_tokens = Counter("practice_bot_llm_tokens", "LLM tokens used", ["kind"], registry=r)
        self.llm_fallbacks = Counter("practice_bot_llm_fallbacks", "LLM scorings answered by the offline scorer, "
                                     "by reason", ["reason"], registry=r)
        self.adapter_connected = Gauge("practice_bot_adapter_connected", "1 while the adapter is connected",
                                       ["platform"], registry=r)

    # ------------------------------------------------------------------ the core's port
    def count(self, event: Count, /, **labels: str) -> None:
        match event:
            case "command":
                self.commands.labels(command=labels["command"], outcome=labels["outcome"]).inc()
            case "answer":
                self.answers.labels(kind=labels["kind"]).inc()
            case "outbox_sent":
                self.outbox_sent.labels(purpose=labels["purpose"]).inc()
            case "outbox_failed":
                self.outbox_failed.labels(purpose=labels["purpose"]).inc()
            case "outbox_retried":
                self.outbox_retried.labels(purpose=labels["purpose"]).inc()

    def observe(self, event: Timing, seconds: float, /, **labels: str) -> None:
        match event:
            case "outbox_send":
                self.outbox_send_seconds.labels(purpose=labels["purpose"]).observe(seconds)

    # ------------------------------------------------------------------ the edges
    def limited(self, platform: str, method: str) -> None:
        self.rate_limited.labels(platform=platform, method=method).inc()

    def ticked(self, seconds: float, lateness: float | None) -> None:
        self.tick_seconds.observe(seconds)
        if lateness is not None:
            self.due_lateness.observe(max(0.0, lateness))
        self.last_tick.set(time.time())

    def llm(self, purpose: str, seconds: float, *, outcome: str, prompt_tokens: int = 0, completion_tokens: int = 0,
            fallback_reason: str = "") -> None:
        self.llm_calls.labels(purpose=purpose, outcome=outcome).inc()
        self.llm_seconds.labels(purpose=purpose).observe(seconds)
        if prompt_tokens:
            self.llm_tokens.labels(kind="prompt").inc(prompt_tokens)
        if completion_tokens:
            self.llm_tokens.labels(kind="completion").inc(completion_tokens)
        if fallback_reason:
            self.llm_fallbacks.labels(reason=reason_label(fallback_reason)).inc()

    async def refresh(self, store: OperationsStore) -> None:
        """Read the gauges that live in the database (at scrape time)."""
        snapshot = await store.operations_snapshot()
        for state, rows in snapshot.outbox.items():
            self.outbox_rows.labels(state=state).set(rows)
        self.live_interviews.set(snapshot.live_interviews)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class RateLimitLog(logging.Handler):
    """discord.py handles its 429s itself and only logs them ("We are being rate limited. GET <url>
    responded with 429 ..."): this handler on ``discord.http`` counts each, by route template."""

    def __init__(self, metrics: PrometheusMetrics) -> None:
        super().__init__(level=logging.WARNING)
        self.metrics = metrics

    def emit(self, record: logging.LogRecord) -> None:
        if not str(record.msg).startswith("We are being rate limited.") or not isinstance(record.args, tuple):
            return
        if len(record.args) >= 2:
            self.metrics.limited("discord", f"{record.args[0]} {route_label(str(record.args[1]))}")


if TYPE_CHECKING:
    def _conforms(metrics: PrometheusMetrics) -> Metrics:
        return metrics
