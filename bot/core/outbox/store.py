"""The outbox's ports: rows that say what to post, claimed before they are sent."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol

from bot.core.records import OutboxDraft, OutboxRecord
from bot.core.refs import MessageRef


class OutboxWriter(Protocol):
    """For use cases that post something later without changing any other row."""

    async def enqueue(self, drafts: Sequence[OutboxDraft]) -> None:
        """Insert outbox rows, ignoring any whose ``dedupe_key`` exists."""
        ...


class OutboxStore(Protocol):
    """The dispatcher's side: claim, then mark sent, failed or handed back."""

    async def claim_outbox(
        self, now: datetime, *, lease: int, limit: int = 50, bulk: Collection[str] = (),
        include_bulk: bool = True,
    ) -> list[OutboxRecord]:
        """Claim under ``lease`` the due rows (pending ones, and rows whose claim's lease has expired or
        is gone), oldest first; rows whose purpose is in ``bulk`` only when no other row is waiting
        (never if not ``include_bulk``)."""
        ...

    async def mark_sent(self, outbox_id: int, *, message: MessageRef) -> None: ...

    async def mark_sent_many(self, marks: Sequence[tuple[int, MessageRef]]) -> None:
        """Mark each ``(row id, posted message)`` sent, in one transaction."""
        ...

    async def next_retry_at(self) -> datetime | None:
        """When the earliest row waiting for a retry becomes due (``None``: none waits)."""
        ...

    async def release_outbox(self, outbox_ids: Sequence[int]) -> None:
        """Hand claimed rows that were never tried back: pending again at once, the claim's attempt undone."""
        ...

    async def mark_failed(self, outbox_id: int, *, error: str, retry_at: datetime | None) -> None:
        """Record a failed send: back to pending at ``retry_at``, or dead when ``None``."""
        ...


class Flusher(Protocol):
    async def flush(self, *, bulk: bool = True) -> None:
        """Send what is pending and return once it is sent (``bulk=False``: all but bulk rows)."""
        ...


class Kicker(Protocol):
    def kick(self) -> None:
        """Have the sending loop look at the store again now, without waiting for it."""
        ...


class Sender(Flusher, Kicker, Protocol):
    """Flush and kick."""
