from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.core.progress.rules import StreakState, advance, days_in_window, effective_current, recompute


def test_consecutive_days_grow_the_streak_and_a_gap_resets_it() -> None:
    d = date(2026, 3, 1)
    state = StreakState()
    for offset in (0, 1, 2, 5, 6):
        state = advance(state, d + timedelta(days=offset)) or state
    assert (state.current, state.longest, state.total_days) == (2, 3, 5)


def test_same_day_twice_changes_nothing_and_older_day_asks_for_recompute() -> None:
    state = advance(StreakState(), date(2026, 3, 2))
    assert state is not None
    assert advance(state, date(2026, 3, 2)) == state
    assert advance(state, date(2026, 3, 1)) is None


def test_effective_current_breaks_after_a_missed_day() -> None:
    assert effective_current(4, date(2026, 3, 1), date(2026, 3, 2)) == 4
    assert effective_current(4, date(2026, 3, 1), date(2026, 3, 3)) == 0


def test_window_counts() -> None:
    days = [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 9)]  # Mon, Tue, next Mon
    state = recompute(days)
    assert days_in_window(state, "week", date(2026, 3, 10)) == 1
    assert days_in_window(state, "month", date(2026, 3, 10)) == 3
    assert days_in_window(state, "week", date(2026, 3, 20)) == 0
    assert days_in_window(state, "all", date(2026, 3, 20)) == 3


@given(st.sets(st.integers(min_value=0, max_value=120), min_size=1, max_size=60))
def test_incremental_equals_recompute_for_days_in_order(offsets: set[int]) -> None:
    days = [date(2026, 1, 1) + timedelta(days=o) for o in sorted(offsets)]
    state = StreakState()
    for day in days:
        state = advance(state, day) or state
    full = recompute(days)
    assert (state.current, state.longest, state.total_days, state.last_day) == (
        full.current, full.longest, full.total_days, full.last_day)
    assert state.month_days == full.month_days
    assert state.week_days == full.week_days
