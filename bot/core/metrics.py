"""The metrics port: what the core counts, with no metrics library behind it.

The core says that something happened (a command answered, an answer recorded, an outbox row sent)
through ``Metrics``; ``bot.observability`` turns that into Prometheus series. Events are a closed set
(``Count``, ``Timing``) and labels are short words from closed sets too (a command's name, an outcome,
an outbox purpose), never a person's or a channel's id, so the series stay few.
"""

from __future__ import annotations

from typing import Literal, Protocol

Count = Literal["command", "answer", "outbox_sent", "outbox_failed", "outbox_retried"]
"""``command``: command=<name>, outcome=ok|refused|error; ``answer``: kind=interview|prompt|drill;
``outbox_*``: purpose=<the row's purpose>."""
Timing = Literal["outbox_send"]
"""``outbox_send``: purpose=<the row's purpose>; seconds one delivery took."""


class Metrics(Protocol):
    def count(self, event: Count, /, **labels: str) -> None: ...

    def observe(self, event: Timing, seconds: float, /, **labels: str) -> None: ...


class NoMetrics:
    """Counts nothing (tests, tools, and the core before the runtime hands it real metrics)."""

    def count(self, event: Count, /, **labels: str) -> None:
        return None

    def observe(self, event: Timing, seconds: float, /, **labels: str) -> None:
        return None


NO_METRICS: Metrics = NoMetrics()
