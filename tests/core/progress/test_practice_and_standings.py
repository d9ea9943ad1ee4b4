"""Practice and standings on in-memory ports: the author's own day, redeliveries, edits, streak reads."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from bot.core.errors import UserError
from bot.core.members import Members
from bot.core.messages import CommandContext, InMessage
from bot.core.progress import Practice, Standings
from bot.core.records import Schedule, StreakRecord
from bot.core.refs import ChannelRef, MessageRef, ThreadRef, UserRef
from bot.scheduling.clock import FakeClock
from tests.fakes.members import FakeMembers
from tests.fakes.progress import FakePractice, FakeStandings

CHANNEL = ChannelRef("console", "C1", "W1")
THREAD = ThreadRef(CHANNEL, "T1")
ALICE = UserRef("console", "alice", "W1", "Alice")
LATE_EVENING_UTC = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)


def message(key: str, *, timezone: str | None, author: UserRef = ALICE) -> InMessage:
    return InMessage(MessageRef(CHANNEL, key, THREAD), author, "We shard by user id.", key, LATE_EVENING_UTC,
                     author_timezone=timezone)


def practice() -> tuple[Practice, FakePractice]:
    people = FakeMembers()
    store = FakePractice()
    return Practice(store=store, members=Members(store=people, channels=people)), store


async def test_an_answer_counts_on_the_authors_own_day_and_once_per_event() -> None:
    recorder, store = practice()
    first = await recorder.record(message("m1", timezone="Asia/Tokyo"), "We shard by user id.", CHANNEL)
    assert first is not None and first.local_date == date(2026, 3, 3)  # already Tuesday in Tokyo
    assert await recorder.record(message("m1", timezone="Asia/Tokyo"), "again", CHANNEL) is None
    again = await recorder.record(message("m2", timezone=None), "Reads go to replicas.", CHANNEL)
    assert again is not None and again.local_date == date(2026, 3, 3)  # her timezone is remembered
    bob = UserRef("console", "bob", "W1", "Bob")
    unknown = await recorder.record(message("m3", timezone=None, author=bob), "We shard by user id.", CHANNEL)
    assert unknown is not None and unknown.local_date == date(2026, 3, 2)  # no timezone known: the default
    assert sorted(store.answers) == ["m1", "m2", "m3"]


async def test_an_edit_to_nothing_withdraws_the_answer_and_a_delete_does_too() -> None:
    recorder, store = practice()
    await recorder.record(message("m1", timezone=None), "We shard by user id.", CHANNEL)
    await recorder.edit("m1", "  We shard by region.\u200b ")
    assert store.answers["m1"].text == "We shard by region."
    await recorder.edit("m1", "\u200b  ")
    assert store.answers["m1"].withdrawn
    await recorder.record(message("m2", timezone=None), "Reads go to replicas.", CHANNEL)
    await recorder.delete("m2")
    assert store.answers["m2"].withdrawn


def standings(store: FakeStandings, clock: FakeClock) -> tuple[Standings, FakeMembers]:
    people = FakeMembers()
    return Standings(store=store, members=Members(store=people, channels=people), clock=clock), people


async def test_a_streak_not_practised_since_the_day_before_yesterday_reads_zero() -> None:
    store, clock = FakeStandings(), FakeClock(datetime(2026, 3, 10, 12, tzinfo=UTC))
    board, people = standings(store, clock)
    await people.ensure_member(ALICE)
    store.streaks[("W1", "alice")] = StreakRecord(ALICE, current=5, longest=7, total_days=12,
                                                  last_day=date(2026, 3, 8))
    reply = await board.streak(CommandContext(CHANNEL, ALICE), None)
    assert "Current streak: *0 days*" in reply.messages[0].text
    store.streaks[("W1", "alice")] = StreakRecord(ALICE, current=5, longest=7, total_days=12,
                                                  last_day=date(2026, 3, 9))
    reply = await board.streak(CommandContext(CHANNEL, ALICE), None)
    assert "Current streak: *5 days*" in reply.messages[0].text


async def test_asking_for_someone_never_seen_says_so() -> None:
    board, _ = standings(FakeStandings(), FakeClock())
    with pytest.raises(UserError, match="haven't seen @carol"):
        await board.streak(CommandContext(CHANNEL, ALICE), "@carol")


async def test_the_leaderboard_is_read_for_the_channels_own_today() -> None:
    store = FakeStandings()
    board, people = standings(store, FakeClock(datetime(2026, 3, 2, 23, 30, tzinfo=UTC)))
    people.schedule(CHANNEL, Schedule(time(9), "Asia/Tokyo"))
    reply = await board.leaderboard(CommandContext(CHANNEL, ALICE), "week")
    assert store.boards == [{"platform": "console", "workspace": "W1", "window": "week",
                             "today": date(2026, 3, 3), "limit": 10}]
    assert "Nobody has practised yet" in reply.messages[0].text
