"""What every part of ``SqlStore`` shares: transactions, dialect upserts, members, channels, outbox rows."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Update, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.core.events import SeenEvent
from bot.core.inbox import applying
from bot.core.records import OutboxDraft
from bot.core.refs import ChannelRef, UserRef, serialise_target
from bot.storage.database import IMMEDIATE
from bot.storage.gate import WriteGate
from bot.storage.models import Base, Channel, InboxRow, Member, Outbox, ProcessedEvent

log = logging.getLogger(__name__)

Insert = sqlite.Insert | postgresql.Insert

SUPPORTED_DIALECTS = frozenset({"sqlite", "postgresql"})


def settled_statement(inbox_ids: Sequence[int], now: datetime) -> Update:
    """Mark inbox rows done: alone, or inside the transaction that makes their item's effect."""
    return (
        update(InboxRow)
        .where(InboxRow.id.in_(inbox_ids), InboxRow.state == "applying")
        .values(state="done", settled_at=now, lease_id=None)
        .execution_options(synchronize_session=False)
    )


class StoreBase:
    """Owns the engine. Each public method of the store runs in exactly one transaction:
    ``_write()`` for anything that changes rows, ``_read()`` for pure reads."""

    def __init__(self, engine: AsyncEngine) -> None:
        if engine.dialect.name not in SUPPORTED_DIALECTS:
            raise ValueError(f"unsupported database {engine.dialect.name!r}: use SQLite or PostgreSQL")
        self.engine = engine
        self.dialect = engine.dialect.name
        self._readers = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        self._writers = async_sessionmaker(
            engine.execution_options(**{IMMEDIATE: True}), expire_on_commit=False, autoflush=False
        )
        self._gate = WriteGate() if self.dialect == "sqlite" else None
        """SQLite: writers queue in the process, the inbox's first (``bot.storage.gate``)."""

    async def close(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncSession]:
        async with self._readers.begin() as session:
            yield session

    @asynccontextmanager
    async def _write(self, *, effect: bool = False, urgent: bool = False) -> AsyncIterator[AsyncSession]:
        """A writing transaction. ``effect=True``: it makes the effect of the inbound item this task
        is applying (an answer, a new interview, a move, a remembered event), so the item's inbox
        row is marked done in it: a crash leaves both undone or both done. ``urgent``: an ack waits
        for it (on SQLite it goes before the other waiting writers)."""
        current = applying() if effect else None
        if current is not None and current.settled:
            current = None
        async with self._gated(urgent), self._writers.begin() as session:
            yield session
            if current is not None:
                await session.execute(settled_statement([current.inbox_id], datetime.now(UTC)))
        if current is not None:
            current.settled = True

    def _gated(self, urgent: bool) -> AbstractAsyncContextManager[None]:
        return self._gate.hold(urgent=urgent) if self._gate is not None else nullcontext()

    def _insert(self, model: type[Base]) -> Insert:
        """``INSERT`` with ``ON CONFLICT`` support for this database."""
        if self.dialect == "sqlite":
            return sqlite.insert(model)
        return postgresql.insert(model)

    # ------------------------------------------------------------------------------- shared rows
    async def _remember_in(self, session: AsyncSession, event: SeenEvent) -> bool:
        """Remember a platform event in the caller's transaction: False when it was seen before."""
        statement = (
            self._insert(ProcessedEvent)
            .values(platform=event.platform, event_key=event.key, seen_at=event.at)
            .on_conflict_do_nothing(index_elements=["platform", "event_key"])
            .returning(ProcessedEvent.id)
        )
        return (await session.execute(statement)).first() is not None

    @staticmethod
    async def _advance_in(
        session: AsyncSession, channel_id: int, expected_next_at: datetime, new_next_at: datetime | None
    ) -> bool:
        """Move ``next_prompt_at`` on only if it still is ``expected_next_at`` (the caller's transaction):
        True for the one caller that wins."""
        advanced = await session.execute(
            update(Channel)
            .where(Channel.id == channel_id, Channel.next_prompt_at == expected_next_at)
            .values(next_prompt_at=new_next_at)
            .returning(Channel.id)
            .execution_options(synchronize_session=False)
        )
        won = advanced.first() is not None
        if not won:
            log.debug("channel %s was advanced by another process", channel_id)
        return won

    async def _ensure_channel(self, session: AsyncSession, ref: ChannelRef) -> Channel:
        await session.execute(
            self._insert(Channel)
            .values(platform=ref.platform, workspace=ref.workspace, external_id=ref.channel_id)
            .on_conflict_do_nothing(index_elements=["platform", "workspace", "external_id"])
        )
        channel = await self._find_channel(session, ref)
        if channel is None:  # pragma: no cover - the row was inserted or existed a moment ago
            raise RuntimeError(f"channel {ref} vanished")
        return channel

    @staticmethod
    async def _find_channel(session: AsyncSession, ref: ChannelRef) -> Channel | None:
        query = select(Channel).where(
            Channel.platform == ref.platform,
            Channel.workspace == ref.workspace,
            Channel.external_id == ref.channel_id,
        )
        return (await session.scalars(query.execution_options(populate_existing=True))).one_or_none()

    async def _ensure_member(
        self, session: AsyncSession, user: UserRef, *, timezone: str | None = None, lock: bool = False
    ) -> Member:
        """Insert or refresh a member: the display name when given, the timezone when given.

        The update only happens when a value differs, so the common call (nothing new)
        writes no row version. ``lock`` takes the row lock (PostgreSQL ``FOR UPDATE``) for
        callers about to change the member's streak.
        """
        values: dict[str, Any] = {
            "platform": user.platform,
            "workspace": user.workspace,
            "external_id": user.user_id,
            "display_name": user.display_name,
            "timezone": timezone,
        }
        insert = self._insert(Member).values(**values)
        changes: dict[str, Any] = {}
        differs = []
        if user.display_name:
            changes["display_name"] = insert.excluded.display_name
            differs.append(Member.display_name != insert.excluded.display_name)
        if timezone is not None:
            changes["timezone"] = insert.excluded.timezone
            differs.append(Member.timezone.is_distinct_from(insert.excluded.timezone))
        keys = ["platform", "workspace", "external_id"]
        if changes:
            statement = insert.on_conflict_do_update(index_elements=keys, set_=changes, where=or_(*differs))
        else:
            statement = insert.on_conflict_do_nothing(index_elements=keys)
        await session.execute(statement)
        member = await self._find_member(session, user, lock=lock)
        if member is None:  # pragma: no cover - the row was inserted or existed a moment ago
            raise RuntimeError(f"member {user} vanished")
        return member

    @staticmethod
    async def _find_member(session: AsyncSession, user: UserRef, *, lock: bool = False) -> Member | None:
        query = select(Member).where(
            Member.platform == user.platform,
            Member.workspace == user.workspace,
            Member.external_id == user.user_id,
        )
        if lock:
            query = query.with_for_update()
        return (await session.scalars(query.execution_options(populate_existing=True))).one_or_none()

    async def _enqueue_in(
        self, session: AsyncSession, drafts: Sequence[OutboxDraft], *, subject_id: int | None = None
    ) -> None:
        """Insert outbox rows in the caller's transaction; an existing ``dedupe_key`` is skipped.

        Drafts without a ``subject_id`` get ``subject_id`` (the row just claimed or created).
        ``available_at`` stays NULL, meaning "now" for whichever clock claims it: the store has
        no clock of its own, and a wall-clock stamp would strand rows under a test's fake clock.
        """
        if not drafts:
            return
        created_at = datetime.now(UTC)
        rows = [
            {
                "target": serialise_target(draft.target),
                "text": draft.text,
                "purpose": draft.purpose,
                "dedupe_key": draft.dedupe_key,
                "payload": draft.payload,
                "subject_id": draft.subject_id if draft.subject_id is not None else subject_id,
                "state": "pending",
                "attempts": 0,
                "created_at": created_at,
            }
            for draft in drafts
        ]
        # executemany of one cached statement (SQLAlchemy sends multi-row VALUES), not .values(rows),
        # which would compile a new statement for every number of rows
        await session.execute(self._insert(Outbox).on_conflict_do_nothing(index_elements=["dedupe_key"]), rows)
