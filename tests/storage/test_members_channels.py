"""Members, channels, schedules and the conditional advance of a channel's next prompt."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

from bot.core.records import Schedule
from bot.core.refs import ChannelRef, UserRef
from bot.storage.repository import SqlStore
from tests.storage.conftest import StoreFactory

ANN = UserRef("slack", "U1", "T1", "Ann")
CHANNEL = ChannelRef("slack", "C1", "T1")
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SCHEDULE = Schedule(local_time=time(9, 30), timezone="Europe/Paris", weekdays=frozenset({0, 2, 4}))


async def test_ensure_member_creates_then_updates_only_what_is_given(store: SqlStore) -> None:
    created = await store.ensure_member(ANN, timezone="Europe/Paris")
    assert (created.ref, created.timezone) == (ANN, "Europe/Paris")

    same = await store.ensure_member(UserRef("slack", "U1", "T1"))  # no name, no timezone: nothing changes
    assert same == created

    renamed = await store.ensure_member(UserRef("slack", "U1", "T1", "Annie"), timezone="Asia/Tokyo")
    assert renamed.id == created.id
    assert (renamed.ref.display_name, renamed.timezone) == ("Annie", "Asia/Tokyo")
    assert await store.get_member(ANN) == renamed


async def test_members_are_told_apart_by_platform_workspace_and_id(store: SqlStore) -> None:
    ids = {
        (await store.ensure_member(user)).id
        for user in (ANN, UserRef("slack", "U1", "T2"), UserRef("discord", "U1", "T1"), UserRef("slack", "U2", "T1"))
    }
    assert len(ids) == 4
    assert await store.get_member(UserRef("console", "U1", "T1")) is None
    assert await store.get_streak(UserRef("console", "U1", "T1")) is None


async def test_a_new_member_has_an_empty_streak(store: SqlStore) -> None:
    await store.ensure_member(ANN)
    streak = await store.get_streak(ANN)
    assert streak is not None
    assert (streak.member, streak.current, streak.longest, streak.total_days, streak.last_day) == (ANN, 0, 0, 0, None)


async def test_schedule_round_trip_and_clear(store: SqlStore) -> None:
    assert await store.get_channel(CHANNEL) is None
    due = NOON + timedelta(days=1)
    saved = await store.save_schedule(CHANNEL, schedule=SCHEDULE, next_prompt_at=due)
    assert (saved.ref, saved.schedule, saved.next_prompt_at) == (CHANNEL, SCHEDULE, due)
    assert saved.next_prompt_at is not None and saved.next_prompt_at.tzinfo is not None
    assert await store.get_channel(CHANNEL) == saved

    cleared = await store.save_schedule(CHANNEL, schedule=None, next_prompt_at=None)
    assert cleared.id == saved.id
    assert (cleared.schedule, cleared.next_prompt_at) == (None, None)
    assert await store.get_channel(CHANNEL) == cleared


async def test_schedule_keeps_weekdays_and_disabled_state(store: SqlStore) -> None:
    every_day = Schedule(local_time=time(0, 0), timezone="UTC", weekdays=frozenset(range(7)), enabled=False)
    saved = await store.save_schedule(CHANNEL, schedule=every_day, next_prompt_at=None)
    assert saved.schedule == every_day


async def test_due_channels_are_enabled_and_due_earliest_first(store: SqlStore) -> None:
    late = await store.save_schedule(ChannelRef("slack", "late", "T1"), schedule=SCHEDULE,
                                     next_prompt_at=NOON - timedelta(minutes=1))
    early = await store.save_schedule(ChannelRef("slack", "early", "T1"), schedule=SCHEDULE,
                                      next_prompt_at=NOON - timedelta(hours=1))
    exact = await store.save_schedule(ChannelRef("slack", "exact", "T1"), schedule=SCHEDULE, next_prompt_at=NOON)
    await store.save_schedule(ChannelRef("slack", "future", "T1"), schedule=SCHEDULE,
                              next_prompt_at=NOON + timedelta(seconds=1))
    await store.save_schedule(ChannelRef("slack", "off", "T1"), schedule=None, next_prompt_at=None)
    disabled = Schedule(local_time=time(9), timezone="UTC", enabled=False)
    await store.save_schedule(ChannelRef("slack", "disabled", "T1"), schedule=disabled,
                              next_prompt_at=NOON - timedelta(days=1))

    due = await store.due_channels(NOON)
    assert [c.id for c in due] == [early.id, late.id, exact.id]
    assert [c.id for c in await store.due_channels(NOON, limit=1)] == [early.id]
    # reading on after a channel: the next ones in the same order, ties on the due time by id
    assert [c.id for c in await store.due_channels(NOON, after=due[0])] == [late.id, exact.id]
    assert [c.id for c in await store.due_channels(NOON, after=due[2])] == []
    same_time = await store.save_schedule(ChannelRef("slack", "same", "T1"), schedule=SCHEDULE,
                                          next_prompt_at=NOON - timedelta(minutes=1))
    assert [c.id for c in await store.due_channels(NOON, after=due[1])] == [same_time.id, exact.id]


async def test_advance_channel_only_from_the_expected_moment(store: SqlStore) -> None:
    channel = await store.save_schedule(CHANNEL, schedule=SCHEDULE, next_prompt_at=NOON)
    tomorrow = NOON + timedelta(days=1)
    assert not await store.advance_channel(channel.id, expected_next_at=NOON - timedelta(seconds=1),
                                           new_next_at=tomorrow)
    assert await store.advance_channel(channel.id, expected_next_at=NOON, new_next_at=tomorrow)
    assert not await store.advance_channel(channel.id, expected_next_at=NOON, new_next_at=tomorrow)
    record = await store.get_channel(CHANNEL)
    assert record is not None and record.next_prompt_at == tomorrow
    assert await store.advance_channel(channel.id, expected_next_at=tomorrow, new_next_at=None)
    assert await store.due_channels(tomorrow + timedelta(days=30)) == []


async def test_advance_channel_has_one_winner_across_processes(store_factory: StoreFactory) -> None:
    first, second = store_factory(), store_factory()
    for round_number in range(10):
        due = NOON + timedelta(days=round_number)
        channel = await first.save_schedule(CHANNEL, schedule=SCHEDULE, next_prompt_at=due)
        results = await asyncio.gather(
            *(s.advance_channel(channel.id, expected_next_at=due, new_next_at=due + timedelta(hours=n + 1))
              for n, s in enumerate((first, second, first, second)))
        )
        assert sorted(results) == [False, False, False, True]


async def test_concurrent_first_sightings_make_one_member(store_factory: StoreFactory) -> None:
    stores = [store_factory(), store_factory()]
    members = await asyncio.gather(
        *(stores[n % 2].ensure_member(ANN, timezone="UTC" if n % 3 else None) for n in range(6))
    )
    assert len({member.id for member in members}) == 1
