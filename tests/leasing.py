"""Claiming outbox rows in tests as one live process would: under a lease that outlives the test."""

from __future__ import annotations

import weakref
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.core.leases import LEASE_SECONDS
from bot.core.records import OutboxRecord
from bot.storage.repository import SqlStore

_LEASES: weakref.WeakKeyDictionary[SqlStore, int] = weakref.WeakKeyDictionary()
FOREVER = datetime(2100, 1, 1, tzinfo=UTC)


async def held_lease(store: SqlStore) -> int:
    """This store's own long-lived lease (one per store object, as one per process)."""
    if store not in _LEASES:
        _LEASES[store] = await store.take_lease("tests", now=datetime(2000, 1, 1, tzinfo=UTC), expires_at=FOREVER)
    return _LEASES[store]


async def claim(store: SqlStore, now: datetime, **kwargs: Any) -> list[OutboxRecord]:
    return await store.claim_outbox(now, lease=await held_lease(store), **kwargs)


async def left_over(store: SqlStore, now: datetime) -> list[OutboxRecord]:
    """What a new process could still claim once every lease taken by ``now`` has expired: rows
    never sent, pending or stuck in a claim. Empty when everything went out."""
    later = now + timedelta(seconds=LEASE_SECONDS + 1)
    lease = await store.take_lease("a later process", now=later, expires_at=later + timedelta(hours=1))
    return await store.claim_outbox(later, lease=lease, limit=1000)
