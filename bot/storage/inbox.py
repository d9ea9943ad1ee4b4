"""The inbox: ``InboxStore`` (``bot.core.inbox``), and the statement that marks a row done inside
the transaction that makes its item's effect (``StoreBase._write(effect=True)``)."""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, Select, and_, delete, or_, select, update

from bot.core.inbox import InboundItem, InboxRecord
from bot.core.refs import Platform
from bot.storage.base import StoreBase, settled_statement
from bot.storage.models import InboxRow, Lease

if TYPE_CHECKING:
    from bot.core.inbox import InboxStore

log = logging.getLogger(__name__)


def _record(row: InboxRow) -> InboxRecord:
    item = InboundItem(
        platform=cast("Platform", row.platform), key=row.item_key, kind=row.kind, order=row.order_key,
        payload=json.loads(row.payload), workspace=row.workspace, member=row.member,
    )
    return InboxRecord(row.id, item, attempts=row.attempts)


class InboxQueries(StoreBase):
    async def accept_inbound(self, items: Sequence[InboundItem], *, lease: int, now: datetime) -> list[int | None]:
        """One multi-row ``INSERT ... ON CONFLICT DO NOTHING RETURNING``: new rows answer with their
        id, a key already stored (or repeated within ``items``) with ``None``."""
        if not items:
            return []
        rows: list[dict[str, Any]] = [
            {
                "platform": item.platform, "item_key": item.key, "kind": item.kind, "order_key": item.order,
                "payload": json.dumps(item.payload, separators=(",", ":")), "workspace": item.workspace,
                "member": item.member, "state": "applying", "attempts": 1, "lease_id": lease, "received_at": now,
            }
            for item in items
        ]
        # One statement compiled once (cached) and sent as multi-row VALUES by SQLAlchemy's
        # "insertmanyvalues": a statement built with .values(rows) would compile anew per batch size.
        statement = (
            self._insert(InboxRow)
            .on_conflict_do_nothing(index_elements=["platform", "item_key"])
            .returning(InboxRow.id, InboxRow.platform, InboxRow.item_key)
        )
        async with self._write(urgent=True) as session:
            created = {(platform, key): row_id for row_id, platform, key in await session.execute(statement, rows)}
        answers: list[int | None] = []
        for item in items:  # the first of a key repeated within the batch is the one written
            answers.append(created.pop((item.platform, item.key), None))
        return answers

    async def claim_inbound(self, *, lease: int, now: datetime, kinds: Collection[str],
                            limit: int = 500) -> list[InboxRecord]:
        """Rows still ``applying`` under an expired or vanished lease, oldest first, claimed with one
        ``UPDATE ... WHERE id IN (...) AND <still claimable>`` (as ``claim_outbox``: never twice)."""
        live_lease = select(Lease.id).where(Lease.id == InboxRow.lease_id, Lease.expires_at > now)
        if not kinds:
            return []
        claimable = and_(InboxRow.state == "applying", InboxRow.kind.in_(list(kinds)),
                         or_(InboxRow.lease_id.is_(None), ~live_lease.exists()))
        oldest: Select[int] = select(InboxRow.id).where(claimable).order_by(InboxRow.id).limit(limit)
        if self.dialect == "postgresql":
            oldest = oldest.with_for_update(skip_locked=True)
        async with self._write() as session:
            ids = list(await session.scalars(oldest))
            if not ids:
                return []
            statement = (
                update(InboxRow)
                .where(InboxRow.id.in_(ids), claimable)
                .values(lease_id=lease, attempts=InboxRow.attempts + 1)
                .returning(InboxRow)
                .execution_options(synchronize_session=False)
            )
            rows = list(await session.scalars(statement))
        return sorted((_record(row) for row in rows), key=lambda record: record.id)

    async def settle_inbound(self, inbox_ids: Sequence[int], *, now: datetime) -> None:
        if not inbox_ids:
            return
        async with self._write() as session:
            await session.execute(settled_statement(inbox_ids, now))

    async def prune_inbound(self, *, settled_before: datetime) -> int:
        statement = (
            delete(InboxRow)
            .where(InboxRow.state == "done", InboxRow.settled_at < settled_before)
            .execution_options(synchronize_session=False)
        )
        async with self._write() as session:
            result = cast("CursorResult[Any]", await session.execute(statement))
            return result.rowcount


if TYPE_CHECKING:
    def _conforms(queries: InboxQueries) -> InboxStore:
        return queries  # mypy checks that the queries implement the port as declared
