"""Members and channels as the members capability reads them: ``MemberStore`` and ``ChannelDirectory``
(``bot.core.members.store``)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.core.records import ChannelRecord, MemberRecord
from bot.core.refs import ChannelRef, UserRef
from bot.storage.base import StoreBase
from bot.storage.mapping import channel_record, member_record

if TYPE_CHECKING:
    from bot.core.members import ChannelDirectory, MemberStore

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
    async def get_channel(self, channel: ChannelRef) -> ChannelRecord | None:
        async with self._read() as session:
            row = await self._find_channel(session, channel)
            return channel_record(row) if row is not None else None


if TYPE_CHECKING:
    def _conforms(queries: MemberQueries) -> tuple[MemberStore, ChannelDirectory]:
        return queries, queries  # mypy checks that the queries implement the ports as declared
