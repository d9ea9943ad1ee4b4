"""In memory: ``OutboxWriter`` and ``OutboxStore`` (``bot.core.outbox.store``) and ``LeaseStore``
(``bot.core.leases``), with the claim rules the SQL store keeps: due rows oldest first, bulk purposes
only when nothing else waits, rows held under a live lease left alone."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from bot.core.records import OutboxDraft, OutboxRecord
from bot.core.refs import MessageRef

DUE_ALWAYS = datetime.min.replace(tzinfo=UTC)


@dataclass
class Row:
    record: OutboxRecord
    state: str = "pending"
    due_at: datetime = DUE_ALWAYS
    sent_to: MessageRef | None = None
    error: str | None = None
    lease: int | None = None


class FakeOutbox:
    def __init__(self) -> None:
        self.rows: dict[int, Row] = {}
        self.claims: list[list[int]] = []
        self.leases: dict[int, datetime] = {}
        """lease id -> when it expires"""
        self._last_lease = 0

    async def take_lease(self, holder: str, *, now: datetime, expires_at: datetime) -> int:
        self._last_lease += 1
        self.leases[self._last_lease] = expires_at
        return self._last_lease

    async def renew_lease(self, lease_id: int, *, expires_at: datetime) -> bool:
        if lease_id not in self.leases:
            return False
        self.leases[lease_id] = expires_at
        return True

    async def drop_lease(self, lease_id: int) -> None:
        self.leases.pop(lease_id, None)

    async def enqueue(self, drafts: Sequence[OutboxDraft]) -> None:
        keys = {row.record.dedupe_key for row in self.rows.values()}
        for draft in drafts:
            if draft.dedupe_key in keys:
                continue
            keys.add(draft.dedupe_key)
            number = len(self.rows) + 1
            self.rows[number] = Row(OutboxRecord(
                number, draft.target, draft.text, draft.purpose, draft.dedupe_key, draft.payload,
                draft.subject_id, 0, datetime.now(UTC),
            ))

    def _held(self, row: Row, now: datetime) -> bool:
        return row.lease is not None and self.leases.get(row.lease, now) > now

    async def claim_outbox(
        self, now: datetime, *, lease: int, limit: int = 50, bulk: Collection[str] = (),
        include_bulk: bool = True,
    ) -> list[OutboxRecord]:
        waiting = [row for row in self.rows.values() if row.state == "pending" and row.due_at > now]
        due = [row for row in self.rows.values() if ((row.state == "pending" and row.due_at <= now)
               or (row.state == "sending" and not self._held(row, now)))
               and not any(w.record.target == row.record.target and w.record.id < row.record.id for w in waiting)]
        chosen = [row for row in due if row.record.purpose not in bulk][:limit]
        if include_bulk and len(chosen) < limit:
            chosen += [row for row in due if row.record.purpose in bulk][:limit - len(chosen)]
        for row in chosen:
            row.state, row.lease = "sending", lease
            row.record = replace(row.record, attempts=row.record.attempts + 1)
        self.claims.append([row.record.id for row in chosen])
        return [row.record for row in chosen]

    async def mark_sent(self, outbox_id: int, *, message: MessageRef) -> None:
        row = self.rows[outbox_id]
        row.state, row.sent_to, row.error = "sent", message, None

    async def mark_sent_many(self, marks: Sequence[tuple[int, MessageRef]]) -> None:
        for outbox_id, message in marks:
            await self.mark_sent(outbox_id, message=message)

    async def release_outbox(self, outbox_ids: Sequence[int]) -> None:
        for number in outbox_ids:
            row = self.rows[number]
            row.state, row.lease = "pending", None
            row.record = replace(row.record, attempts=row.record.attempts - 1)

    async def mark_failed(self, outbox_id: int, *, error: str, retry_at: datetime | None) -> None:
        row = self.rows[outbox_id]
        row.error = error
        if retry_at is None:
            row.state = "dead"
        else:
            row.state, row.due_at, row.lease = "pending", retry_at, None

    def state(self, outbox_id: int) -> str:
        return self.rows[outbox_id].state
