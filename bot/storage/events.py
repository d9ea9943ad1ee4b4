"""Inbound idempotency: ``EventStore`` and ``EventPruning`` (``bot.core.events``)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, delete

from bot.core.events import SeenEvent
from bot.core.refs import Platform
from bot.storage.base import StoreBase
from bot.storage.models import ProcessedEvent

if TYPE_CHECKING:
    from bot.core.events import EventPruning, EventStore

log = logging.getLogger(__name__)


class EventQueries(StoreBase):
    async def remember_event(self, platform: Platform, key: str, *, now: datetime) -> bool:
        """True the first time a platform event key is seen, False on redelivery."""
        async with self._write(effect=True) as session:
            return await self._remember_in(session, SeenEvent(platform, key, now))

    async def prune_events(self, *, older_than: datetime) -> int:
        """Forget event keys seen before ``older_than``; the number forgotten."""
        statement = (
            delete(ProcessedEvent)
            .where(ProcessedEvent.seen_at < older_than)
            .execution_options(synchronize_session=False)
        )
        async with self._write() as session:
            result = cast("CursorResult[Any]", await session.execute(statement))
            return result.rowcount


if TYPE_CHECKING:
    def _conforms(queries: EventQueries) -> tuple[EventStore, EventPruning]:
        return queries, queries  # mypy checks that the queries implement the ports as declared
