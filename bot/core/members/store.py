"""The members capability's ports."""

from __future__ import annotations

from typing import Protocol

from bot.core.records import ChannelRecord, MemberRecord
from bot.core.refs import ChannelRef, UserRef


class MemberStore(Protocol):
    async def ensure_member(self, user: UserRef, *, timezone: str | None = None) -> MemberRecord:
        """Create or update a member (display name; timezone only when given)."""
        ...

    async def get_member(self, user: UserRef) -> MemberRecord | None: ...


class ChannelDirectory(Protocol):
    async def get_channel(self, channel: ChannelRef) -> ChannelRecord | None: ...
