"""Inbound idempotency: a platform event (a steering word, a button click) acts at most once."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.core.refs import Platform


class EventStore(Protocol):
    async def remember_event(self, platform: Platform, key: str, *, now: datetime) -> bool:
        """True the first time a platform event key is seen, False on redelivery."""
        ...


class EventPruning(Protocol):
    async def prune_events(self, *, older_than: datetime) -> int: ...
