"""The one timezone rule, on an in-memory members store."""

from __future__ import annotations

from datetime import time

from bot.core.members import Members
from bot.core.records import Schedule
from bot.core.refs import ChannelRef, UserRef
from tests.fakes.members import FakeMembers

CHANNEL = ChannelRef("console", "C1", "W1")
ALICE = UserRef("console", "alice", "W1", "Alice")


def members(store: FakeMembers) -> Members:
    return Members(store=store, channels=store, default_timezone="America/Chicago")


async def test_a_members_own_timezone_wins_and_the_channel_is_not_read() -> None:
    store = FakeMembers()
    store.schedule(CHANNEL, Schedule(time(9), "Europe/Berlin"))
    assert await members(store).member_timezone("Asia/Tokyo", CHANNEL) == "Asia/Tokyo"
    assert store.channel_reads == 0


async def test_else_the_channels_schedule_else_the_default() -> None:
    store = FakeMembers()
    assert await members(store).member_timezone(None, CHANNEL) == "America/Chicago"
    store.schedule(CHANNEL, Schedule(time(9), "Europe/Berlin"))
    assert await members(store).member_timezone(None, CHANNEL) == "Europe/Berlin"
    store.schedule(CHANNEL, None)  # schedule turned off: the channel has no timezone of its own
    assert await members(store).channel_timezone(CHANNEL) == "America/Chicago"


async def test_joining_keeps_a_known_timezone_unless_the_platform_tells_a_new_one() -> None:
    store = FakeMembers()
    roster = members(store)
    assert (await roster.join(ALICE, timezone="Asia/Tokyo")).timezone == "Asia/Tokyo"
    assert (await roster.join(ALICE)).timezone == "Asia/Tokyo"
    assert (await roster.join(ALICE, timezone="UTC")).timezone == "UTC"
    found = await roster.find(ALICE)
    assert found is not None and found.ref == ALICE
    assert await roster.find(UserRef("console", "bob", "W1")) is None
