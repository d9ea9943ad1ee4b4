"""Inbound idempotency: a platform event (a steering word, a button click) acts at most once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core.refs import Platform


@dataclass(frozen=True, slots=True)
class SeenEvent:
    """A platform event (a steering word, a click) to remember in the transaction of what it caused."""

    platform: Platform
    key: str
    at: datetime


class EventStore(Protocol):
    async def remember_event(self, platform: Platform, key: str, *, now: datetime) -> bool:
        """True the first time a platform event key is seen, False on redelivery."""
        ...


class EventPruning(Protocol):
    async def prune_events(self, *, older_than: datetime) -> int: ...
