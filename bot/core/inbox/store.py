"""The inbox's ports: items written before their ack, claimed under a lease, settled with their effect."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol

from bot.core.inbox.items import InboundItem, InboxRecord


class InboxStore(Protocol):
    async def accept_inbound(self, items: Sequence[InboundItem], *, lease: int, now: datetime) -> list[int | None]:
        """Write ``items`` in one transaction, claimed under ``lease`` for applying; per item, in
        order, its new row id, or ``None`` when its ``(platform, key)`` was already there (a
        redelivery, or the same key twice in ``items``)."""
        ...

    async def claim_inbound(self, *, lease: int, now: datetime, kinds: Collection[str],
                            limit: int = 500) -> list[InboxRecord]:
        """Claim under ``lease`` the rows of ``kinds`` not done whose claim's lease has expired or is
        gone (their process died, or stopped and handed them back), oldest first; each claim counts
        an attempt. (A replica claims only what its adapters can apply.)"""
        ...

    async def settle_inbound(self, inbox_ids: Sequence[int], *, now: datetime) -> None:
        """Mark rows done (their effect is made or they had none)."""
        ...

    async def prune_inbound(self, *, settled_before: datetime) -> int:
        """Forget rows done before ``settled_before``; how many. A redelivery later than that is
        caught by the idempotency of what it does (event keys, claims), as before the inbox."""
        ...
