"""Leases: ``LeaseStore`` (``bot.core.leases``)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, select, update

from bot.storage.base import StoreBase
from bot.storage.models import Lease

if TYPE_CHECKING:
    from bot.core.leases import LeaseStore

log = logging.getLogger(__name__)


class LeaseQueries(StoreBase):
    async def take_lease(self, holder: str, *, now: datetime, expires_at: datetime) -> int:
        row = Lease(holder=holder[:200], started_at=now, expires_at=expires_at)
        async with self._write() as session:
            session.add(row)
            await session.flush()
            return row.id

    async def renew_lease(self, lease_id: int, *, expires_at: datetime) -> bool:
        statement = (
            update(Lease).where(Lease.id == lease_id).values(expires_at=expires_at)
            .returning(Lease.id).execution_options(synchronize_session=False)
        )
        async with self._write() as session:
            return (await session.execute(statement)).first() is not None

    async def live_leases(self, *, now: datetime) -> list[tuple[int, str]]:
        async with self._read() as session:
            return [(lease_id, holder) for lease_id, holder in
                    await session.execute(select(Lease.id, Lease.holder).where(Lease.expires_at > now))]

    async def drop_lease(self, lease_id: int) -> None:
        async with self._write() as session:
            await session.execute(delete(Lease).where(Lease.id == lease_id).execution_options(
                synchronize_session=False))

    async def prune_leases(self, *, expired_before: datetime) -> int:
        """Forget leases long expired (their rows were free since they expired); the number forgotten."""
        statement = delete(Lease).where(Lease.expires_at < expired_before).returning(Lease.id)
        async with self._write() as session:
            return len((await session.execute(statement.execution_options(synchronize_session=False))).all())


if TYPE_CHECKING:
    def _conforms(queries: LeaseQueries) -> LeaseStore:
        return queries  # mypy checks that the queries implement the port as declared
