"""Members, channels and their schedules, stored streaks."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import literal, select, true, tuple_

from bot.core.records import ChannelRecord, MemberRecord, Schedule, StreakRecord
from bot.core.refs import ChannelRef, UserRef
from bot.storage.base import StoreBase
from bot.storage.mapping import channel_record, member_record, user_ref, weekdays_text
from bot.storage.models import Channel

log = logging.getLogger(__name__)


class MemberQueries(StoreBase):
    async def ensure_member(self, user: UserRef, *, timezone: str | None = None) -> MemberRecord:
        """Create or update a member.

        The display name is updated when ``user`` carries one (an empty name never
        overwrites a known one); the timezone only when given.
        """
        async with self._write() as session:
            return member_record(await self._ensure_member(session, user, timezone=timezone))

    async def get_member(self, user: UserRef) -> MemberRecord | None:
        async with self._read() as session:
            member = await self._find_member(session, user)
            return member_record(member) if member is not None else None

    async def get_streak(self, user: UserRef) -> StreakRecord | None:
        """The stored streak; the service applies ``effective_current`` for today."""
        async with self._read() as session:
            member = await self._find_member(session, user)
            if member is None:
                return None
            return StreakRecord(
                member=user_ref(member),
                current=member.current_streak,
                longest=member.longest_streak,
                total_days=member.total_days,
                last_day=member.last_day,
            )

    # ------------------------------------------------------------------------------- channels
    async def get_channel(self, channel: ChannelRef) -> ChannelRecord | None:
        async with self._read() as session:
            row = await self._find_channel(session, channel)
            return channel_record(row) if row is not None else None

    async def save_schedule(
        self, channel: ChannelRef, *, schedule: Schedule | None, next_prompt_at: datetime | None
    ) -> ChannelRecord:
        async with self._write() as session:
            row = await self._ensure_channel(session, channel)
            if schedule is None:
                row.local_time, row.timezone, row.weekdays, row.enabled = None, None, None, False
            else:
                row.local_time = schedule.local_time.replace(tzinfo=None)
                row.timezone = schedule.timezone
                row.weekdays = weekdays_text(schedule.weekdays)
                row.enabled = schedule.enabled
            row.next_prompt_at = next_prompt_at
            await session.flush()
            return channel_record(row)

    async def due_channels(
        self, now: datetime, *, limit: int = 500, after: ChannelRecord | None = None
    ) -> list[ChannelRecord]:
        query = (
            select(Channel)
            .where(Channel.enabled, Channel.next_prompt_at <= now)
            .where(tuple_(Channel.next_prompt_at, Channel.id) > tuple_(
                literal(after.next_prompt_at, Channel.next_prompt_at.type), literal(after.id)) if after else true())
            .order_by(Channel.next_prompt_at, Channel.id)
            .limit(limit)
        )
        async with self._read() as session:
            return [channel_record(row) for row in await session.scalars(query)]

    async def advance_channel(
        self, channel_id: int, *, expected_next_at: datetime, new_next_at: datetime | None
    ) -> bool:
        """Move ``next_prompt_at`` on only if it still is ``expected_next_at``: one caller wins.
        (The tick does this for a batch with ``move_channels``.)"""
        async with self._write() as session:
            return await self._advance_in(session, channel_id, expected_next_at, new_next_at)
