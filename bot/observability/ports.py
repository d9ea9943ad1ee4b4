"""What observability reads from the database (``bot.storage.operations`` implements it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class OperationsSnapshot:
    outbox: dict[str, int]
    """Outbox rows by state, sent ones left out (``pending``, ``sending``, ``dead``)."""
    live_interviews: int


class OperationsStore(Protocol):
    async def operations_snapshot(self) -> OperationsSnapshot: ...

    async def schema_problem(self) -> str | None: ...
