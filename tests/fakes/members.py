"""In memory: ``MemberStore``, ``ChannelDirectory`` and ``ForgetStore`` (``bot.core.members.store``)."""

from __future__ import annotations

from bot.core.members.store import ForgetReport
from bot.core.records import ChannelRecord, MemberRecord, Schedule
from bot.core.refs import ChannelRef, Platform, UserRef


def _key(user: UserRef) -> tuple[str, str, str]:
    return user.platform, user.workspace, user.user_id


class FakeMembers:
    def __init__(self) -> None:
        self.members: dict[tuple[str, str, str], MemberRecord] = {}
        self.channels: dict[ChannelRef, ChannelRecord] = {}
        self.channel_reads = 0

    def schedule(self, channel: ChannelRef, schedule: Schedule | None) -> None:
        self.channels[channel] = ChannelRecord(len(self.channels) + 1, channel, schedule, None)

    async def ensure_member(self, user: UserRef, *, timezone: str | None = None) -> MemberRecord:
        known = self.members.get(_key(user))
        record = MemberRecord(
            known.id if known else len(self.members) + 1,
            user if user.display_name or known is None else known.ref,
            timezone if timezone is not None else (known.timezone if known else None),
        )
        self.members[_key(user)] = record
        return record

    async def get_member(self, user: UserRef) -> MemberRecord | None:
        return self.members.get(_key(user))

    async def get_channel(self, channel: ChannelRef) -> ChannelRecord | None:
        self.channel_reads += 1
        return self.channels.get(channel)


class FakeForget:
    """``ForgetStore``: records who was forgotten and answers with a fixed report."""

    def __init__(self, report: ForgetReport | None = None) -> None:
        self.report = report or ForgetReport(members=1, answers=3, practice_days=2)
        self.forgotten: list[tuple[str, str]] = []

    async def forget_member(self, platform: Platform, user_id: str) -> ForgetReport:
        self.forgotten.append((platform, user_id))
        return self.report if len(self.forgotten) == 1 else ForgetReport()
