"""Members and whose day it is."""

from __future__ import annotations

import logging

from bot.core.members.store import ChannelDirectory, MemberStore
from bot.core.records import ChannelRecord, MemberRecord
from bot.core.refs import ChannelRef, UserRef

log = logging.getLogger(__name__)


def own_timezone(chosen: str | None, from_platform: str | None) -> str | None:
    """A member's own timezone: the one they chose (``/practice timezone``) wins over the one the
    platform tells (Slack's profile; Discord tells none)."""
    return chosen or from_platform


class Members:
    """Who practises, and the one timezone rule: a person's day is in their own timezone (the one
    they chose, else the platform's), else the channel's (its schedule's), else the bot's default.
    Everywhere."""

    def __init__(self, *, store: MemberStore, channels: ChannelDirectory, default_timezone: str = "UTC") -> None:
        self._store = store
        self._channels = channels
        self.default_timezone = default_timezone

    async def join(self, user: UserRef, *, timezone: str | None = None) -> MemberRecord:
        """The member record for someone who is practising now (created on first sight; the
        timezone is updated only when the platform told us one)."""
        return await self._store.ensure_member(user, timezone=timezone)

    async def find(self, user: UserRef) -> MemberRecord | None:
        return await self._store.get_member(user)

    async def channel_timezone(self, channel: ChannelRef) -> str:
        return self.timezone_of(await self._channels.get_channel(channel))

    async def member_timezone(self, member_timezone: str | None, channel: ChannelRef) -> str:
        """Whose day is it? The member's timezone, else the channel's, else the default."""
        return member_timezone or await self.channel_timezone(channel)

    def timezone_of(self, channel: ChannelRecord | None) -> str:
        """A channel's timezone from its record (read already): its schedule's, else the default."""
        if channel is not None and channel.schedule is not None:
            return channel.schedule.timezone
        return self.default_timezone
