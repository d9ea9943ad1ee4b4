"""The streak rules with pauses: paused days neither extend nor break a streak; around month ends and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.progress.rules import (
    StreakState,
    active_pause,
    advance,
    bridged,
    effective_current,
    is_away,
    local_date,
    recompute,
)
from bot.core.records import Pause


def _fold(days: list[date], pauses: list[Pause]) -> StreakState:
    state = StreakState()
    for day in days:
        state = advance(state, day, pauses) or state
    return state


def _span(first: int, last: int, start: date = date(2026, 3, 2)) -> Pause:
    return Pause(start + timedelta(days=first), start + timedelta(days=last))


def test_bridged_needs_every_day_between_paused() -> None:
    mon = date(2026, 3, 2)
    assert bridged(mon, mon + timedelta(days=1), [])  # nothing between
    assert not bridged(mon, mon + timedelta(days=2), [])
    assert bridged(mon, mon + timedelta(days=5), [Pause(mon + timedelta(days=1), mon + timedelta(days=4))])
    assert not bridged(mon, mon + timedelta(days=5), [Pause(mon + timedelta(days=1), mon + timedelta(days=3))])
    # two pauses back to back, in any order, and one that began before the last practice day
    split = [_span(3, 4), _span(1, 2)]
    assert bridged(mon, mon + timedelta(days=5), split)
    assert bridged(mon, mon + timedelta(days=3), [Pause(mon - timedelta(days=3), mon + timedelta(days=2))])
    # a gap of one unpaused day in the middle breaks it
    gap = [_span(1, 1), _span(3, 4)]
    assert not bridged(mon, mon + timedelta(days=5), gap)


def test_paused_days_neither_extend_nor_break_the_streak() -> None:
    mon = date(2026, 3, 2)
    pause = Pause(date(2026, 3, 5), date(2026, 3, 11))
    days = [mon, mon + timedelta(days=1), mon + timedelta(days=2), date(2026, 3, 12)]
    state = _fold(days, [pause])
    assert (state.current, state.longest, state.total_days) == (4, 4, 4)
    assert _fold(days, []).current == 1  # without the pause the gap resets it
    assert recompute(days, [pause]) == state


def test_practising_on_a_paused_day_counts_like_any_day() -> None:
    pause = Pause(date(2026, 3, 3), date(2026, 3, 6))
    state = _fold([date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 7)], [pause])
    assert state.current == 3


def test_a_pause_across_a_month_end_keeps_the_streak_live_and_then_extends_it() -> None:
    last = date(2026, 1, 28)
    pause = Pause(date(2026, 1, 29), date(2026, 2, 3))
    for today in (date(2026, 1, 31), date(2026, 2, 1), date(2026, 2, 3), date(2026, 2, 4)):
        assert effective_current(6, last, today, [pause]) == 6, today
    assert effective_current(6, last, date(2026, 2, 5), [pause]) == 0  # Feb 4 was not paused and not practised
    state = _fold([last - timedelta(days=n) for n in range(5, -1, -1)] + [date(2026, 2, 4)], [pause])
    assert (state.current, state.month_days, state.month_start) == (7, 1, date(2026, 2, 1))


@pytest.mark.parametrize("year", [2027, 2028])  # February ends on the 28th and on the 29th
def test_a_pause_over_the_end_of_february(year: int) -> None:
    last_of_feb = date(year, 3, 1) - timedelta(days=1)
    pause = Pause(last_of_feb - timedelta(days=1), last_of_feb)
    before = last_of_feb - timedelta(days=2)
    state = _fold([before - timedelta(days=1), before, date(year, 3, 1)], [pause])
    assert state.current == 3
    assert effective_current(3, date(year, 3, 1), date(year, 3, 2), [pause]) == 3


def test_an_unpaused_day_before_the_pause_still_breaks_the_streak() -> None:
    pause = Pause(date(2026, 3, 5), date(2026, 3, 8))
    assert effective_current(3, date(2026, 3, 3), date(2026, 3, 6), [pause]) == 0  # Mar 4 missed


def test_away_and_active_pause() -> None:
    pause = Pause(date(2026, 3, 5), date(2026, 3, 8))
    assert not is_away(date(2026, 3, 4), [pause])
    assert is_away(date(2026, 3, 5), [pause]) and is_away(date(2026, 3, 8), [pause])
    assert not is_away(date(2026, 3, 9), [pause])
    assert active_pause(date(2026, 3, 8), [pause]) == pause
    assert active_pause(date(2026, 3, 9), [pause]) is None


@pytest.mark.parametrize(
    ("zone", "moment", "expected"),
    [
        # The night clocks change, the local date is still the local date.
        ("America/New_York", datetime(2026, 3, 8, 4, 30, tzinfo=UTC), date(2026, 3, 7)),  # 23:30 EST
        ("America/New_York", datetime(2026, 3, 8, 7, 30, tzinfo=UTC), date(2026, 3, 8)),  # 03:30 EDT
        ("America/New_York", datetime(2026, 11, 1, 5, 30, tzinfo=UTC), date(2026, 11, 1)),  # 01:30 EDT
        ("America/New_York", datetime(2026, 11, 1, 6, 30, tzinfo=UTC), date(2026, 11, 1)),  # 01:30 EST
        ("Europe/Berlin", datetime(2026, 3, 29, 0, 59, tzinfo=UTC), date(2026, 3, 29)),  # 01:59 CET
        ("Europe/Berlin", datetime(2026, 10, 24, 22, 30, tzinfo=UTC), date(2026, 10, 25)),  # 00:30 CEST
        ("Australia/Sydney", datetime(2026, 4, 4, 13, 30, tzinfo=UTC), date(2026, 4, 5)),  # 00:30 AEDT
        ("Australia/Sydney", datetime(2026, 10, 3, 13, 59, tzinfo=UTC), date(2026, 10, 3)),  # 23:59 AEST
        ("Asia/Kolkata", datetime(2026, 1, 31, 18, 29, tzinfo=UTC), date(2026, 1, 31)),  # 23:59 IST, no DST
        ("Asia/Kolkata", datetime(2026, 1, 31, 18, 30, tzinfo=UTC), date(2026, 2, 1)),
        ("Pacific/Auckland", datetime(2026, 12, 31, 11, 0, tzinfo=UTC), date(2027, 1, 1)),  # 00:00 NZDT
    ],
)
def test_local_dates_around_dst_and_month_ends(zone: str, moment: datetime, expected: date) -> None:
    assert local_date(moment, zone) == expected


@pytest.mark.parametrize("zone", ["America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata"])
def test_a_daily_answer_at_the_same_local_time_over_a_dst_change_and_a_pause_keeps_one_streak(zone: str) -> None:
    """Answers at 23:30 local every day from Mar 20 to Apr 10 (DST changes in the US, Europe and
    Australia fall inside), with a pause over Mar 31 to Apr 3 that holds no answer."""
    from zoneinfo import ZoneInfo

    local = ZoneInfo(zone)
    pause = Pause(date(2026, 3, 31), date(2026, 4, 3))
    days = []
    day = date(2026, 3, 20)
    while day <= date(2026, 4, 10):
        if not pause.covers(day):
            moment = datetime(day.year, day.month, day.day, 23, 30, tzinfo=local).astimezone(UTC)
            days.append(local_date(moment, zone))
        day += timedelta(days=1)
    assert days == sorted(set(days))  # one practice day per local day, none lost or doubled by DST
    state = _fold(days, [pause])
    assert state.current == len(days) == 22 - 4
    assert effective_current(state.current, state.last_day, date(2026, 4, 11), [pause]) == state.current


@given(
    st.sets(st.integers(min_value=0, max_value=80), min_size=1, max_size=40),
    st.lists(st.tuples(st.integers(min_value=0, max_value=80), st.integers(min_value=1, max_value=14)), max_size=4),
)
def test_incremental_equals_recompute_with_pauses(offsets: set[int], spans: list[tuple[int, int]]) -> None:
    start = date(2026, 1, 1)
    pauses = [Pause(start + timedelta(days=a), start + timedelta(days=a + n - 1)) for a, n in spans]
    days = sorted(start + timedelta(days=o) for o in offsets)
    folded = _fold(days, pauses)
    again = recompute(days, pauses)
    assert (folded.current, folded.longest, folded.total_days) == (again.current, again.longest, again.total_days)
    # the current run never exceeds the days practised, and pauses never lower a streak
    plain = recompute(days)
    assert again.current >= plain.current and again.longest >= plain.longest
