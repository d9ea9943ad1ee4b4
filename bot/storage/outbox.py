"""The outbox, claimed before sending and marked after: ``OutboxWriter`` and ``OutboxStore``
(``bot.core.outbox``)."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, Update, and_, func, or_, select, update
from sqlalchemy.orm import aliased

from bot.core.records import OutboxDraft, OutboxRecord
from bot.core.refs import MessageRef
from bot.storage.base import StoreBase
from bot.storage.mapping import outbox_record
from bot.storage.models import Lease, Outbox

if TYPE_CHECKING:
    from bot.core.outbox import OutboxStore, OutboxWriter

log = logging.getLogger(__name__)


def sent_statement(outbox_id: int, message: MessageRef) -> Update:
    """Mark a row sent (to ``message``): run alone or in the transaction that records what it posted."""
    return (
        update(Outbox)
        .where(Outbox.id == outbox_id)
        .values(state="sent", sent_ref=message.serialise(), error=None)
        .execution_options(synchronize_session=False)
    )


class OutboxQueries(StoreBase):
    async def enqueue(self, drafts: Sequence[OutboxDraft]) -> None:
        """Insert outbox rows, ignoring any whose ``dedupe_key`` exists."""
        async with self._write() as session:
            await self._enqueue_in(session, drafts)

    async def claim_outbox(
        self, now: datetime, *, lease: int, limit: int = 50, bulk: Collection[str] = (),
        include_bulk: bool = True,
    ) -> list[OutboxRecord]:
        """Claim under ``lease`` the rows due at ``now`` (pending ones, and rows claimed under a lease
        that has expired or is gone: their sender died or hung), oldest first, except that rows whose
        purpose is in ``bulk`` are claimed only when no other row is waiting, and not at all with ``include_bulk=False``
        (an interview's next phase does not queue behind a fan-out to thousands of channels). A row
        waiting for its retry holds back the later rows of the same thread or channel, so they never
        overtake it.

        The oldest claimable ids are read first (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so a
        concurrent claimer takes other rows instead of waiting), then claimed with one
        ``UPDATE ... WHERE id IN (those ids) AND <still claimable> RETURNING``: a row another
        process claimed in between no longer matches, so no row is ever claimed twice. (One
        statement with ``id IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED)`` is a known trap on
        PostgreSQL: the subquery may run again per row and claim more than ``limit``.)
        Each claim counts as an attempt: the returned ``attempts`` includes the one about to be made.
        """
        live_lease = select(Lease.id).where(Lease.id == Outbox.lease_id, Lease.expires_at > now)
        earlier = aliased(Outbox)
        held_back = select(earlier.id).where(  # an earlier row of the same place waits for its retry
            earlier.target == Outbox.target, earlier.id < Outbox.id,
            earlier.state == "pending", earlier.available_at.is_not(None), earlier.available_at > now,
        )
        claimable = and_(
            or_(
                and_(Outbox.state == "pending", or_(Outbox.available_at.is_(None), Outbox.available_at <= now)),
                and_(Outbox.state == "sending", ~live_lease.exists()),
            ),
            ~held_back.exists(),
        )

        def oldest(*where: ColumnElement[bool], count: int) -> Select[int]:
            query = select(Outbox.id).where(claimable, *where).order_by(Outbox.id).limit(count)
            return query.with_for_update(skip_locked=True) if self.dialect == "postgresql" else query

        async with self._write() as session:
            if bulk:
                ids = list(await session.scalars(oldest(Outbox.purpose.not_in(bulk), count=limit)))
                if len(ids) < limit and include_bulk:
                    ids += await session.scalars(oldest(Outbox.purpose.in_(bulk), count=limit - len(ids)))
            else:
                ids = list(await session.scalars(oldest(count=limit)))
            if not ids:
                return []
            statement = (
                update(Outbox)
                .where(Outbox.id.in_(ids), claimable)
                .values(state="sending", claimed_at=now, lease_id=lease, attempts=Outbox.attempts + 1)
                .returning(Outbox)
                .execution_options(synchronize_session=False)
            )
            rows = list(await session.scalars(statement))
        return sorted((outbox_record(row) for row in rows), key=lambda record: record.id)

    async def next_retry_at(self) -> datetime | None:
        """When the earliest row waiting for a retry (or a later start) becomes due."""
        query = select(func.min(Outbox.available_at)).where(Outbox.state == "pending", Outbox.available_at.is_not(None))
        async with self._read() as session:
            return await session.scalar(query)

    async def mark_sent(self, outbox_id: int, *, message: MessageRef) -> None:
        async with self._write() as session:
            await session.execute(sent_statement(outbox_id, message))

    async def mark_sent_many(self, marks: Sequence[tuple[int, MessageRef]]) -> None:
        """Mark many rows sent in one transaction (the dispatcher's group commit)."""
        if not marks:
            return
        rows = [{"id": outbox_id, "state": "sent", "sent_ref": message.serialise(), "error": None}
                for outbox_id, message in marks]
        async with self._write() as session:
            await session.execute(update(Outbox), rows)  # the ORM's bulk UPDATE by primary key: one executemany

    async def release_outbox(self, outbox_ids: Sequence[int]) -> None:
        if not outbox_ids:
            return
        statement = (
            update(Outbox)
            .where(Outbox.id.in_(outbox_ids), Outbox.state == "sending")
            .values(state="pending", claimed_at=None, lease_id=None, attempts=Outbox.attempts - 1)
            .execution_options(synchronize_session=False)
        )
        async with self._write() as session:
            await session.execute(statement)

    async def mark_failed(self, outbox_id: int, *, error: str, retry_at: datetime | None) -> None:
        """Record a failed send: back to pending at ``retry_at``, or dead when ``None``."""
        if retry_at is None:
            log.warning("outbox row %s is dead: %s", outbox_id, error)
            await self._set(outbox_id, state="dead", error=error)
        else:
            await self._set(outbox_id, state="pending", available_at=retry_at, claimed_at=None, lease_id=None,
                            error=error)

    async def _set(self, outbox_id: int, **values: Any) -> None:
        statement = (
            update(Outbox).where(Outbox.id == outbox_id).values(**values).execution_options(synchronize_session=False)
        )
        async with self._write() as session:
            await session.execute(statement)


if TYPE_CHECKING:
    def _conforms(queries: OutboxQueries) -> tuple[OutboxStore, OutboxWriter]:
        return queries, queries  # mypy checks that the queries implement the ports as declared
