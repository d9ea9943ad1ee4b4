"""Liveness and readiness, the same in every mode.

* alive (``/healthz``): the clock ticked within ``stale_after`` seconds (or the process started less
  than that long ago and has not ticked yet). A stuck event loop or a dead clock fails it.
* ready (``/readyz``): the runtime has started serving and is not stopping, the database answers
  and its schema is at the migrations' head, and every configured adapter says it is connected.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.observability.ports import OperationsStore

log = logging.getLogger(__name__)


class Connected(Protocol):
    name: str

    def is_ready(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    reason: str


class Health:
    def __init__(self, *, store: OperationsStore, stale_after: float, now: Callable[[], float] = time.monotonic,
                 on_adapter: Callable[[str, bool], None] | None = None) -> None:
        self._store = store
        self._stale_after = stale_after
        self._now = now
        self._started = now()
        self._ticked: float | None = None
        self._serving = False
        self._stopping = False
        self._on_adapter = on_adapter
        self.adapters: Sequence[Connected] = ()

    def ticked(self) -> None:
        self._ticked = self._now()

    def serving(self, adapters: Sequence[Connected]) -> None:
        self.adapters = adapters
        self._serving = True

    def stopping(self) -> None:
        self._stopping = True

    def alive(self) -> Verdict:
        now = self._now()
        if self._ticked is None:
            waited = now - self._started
            if waited <= self._stale_after:
                return Verdict(True, "starting")
            return Verdict(False, f"no tick in the {waited:.0f} s since start-up")
        age = now - self._ticked
        if age > self._stale_after:
            return Verdict(False, f"last tick {age:.0f} s ago")
        return Verdict(True, f"last tick {age:.0f} s ago")

    async def ready(self) -> Verdict:
        if self._stopping:
            return Verdict(False, "stopping")
        if not self._serving:
            return Verdict(False, "starting")
        problem = await self._store.schema_problem()
        if problem is not None:
            return Verdict(False, problem)
        down = []
        for adapter in self.adapters:
            connected = adapter.is_ready()
            if self._on_adapter is not None:
                self._on_adapter(adapter.name, connected)
            if not connected:
                down.append(adapter.name)
        if down:
            return Verdict(False, f"not connected: {', '.join(down)}")
        return Verdict(True, "ready")
