"""Practice days and streaks, kept incrementally: every streak rule lives here.

A practice day is a member's local date. ``advance`` folds one new practice day into
the stored state so reads never walk the history; ``recompute`` exists only for the
rare paths (a withdrawn answer, a day that arrives out of order).

Pauses (``/practice pause``) are runs of local dates. A paused day neither extends nor
breaks a streak: two practice days are consecutive when every day between them is paused
(``bridged``), and a stored streak stays live while every day since the last practice day,
up to yesterday, is paused. Practising on a paused day counts as any other day.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.records import Pause, StreakRecord, Window
from bot.core.refs import UserRef


@dataclass(frozen=True, slots=True)
class StreakState:
    current: int = 0
    longest: int = 0
    total_days: int = 0
    last_day: date | None = None
    week_start: date | None = None
    week_days: int = 0
    month_start: date | None = None
    month_days: int = 0


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    return day.replace(day=1)


def local_date(moment: datetime, timezone: str) -> date:
    """The calendar date of ``moment`` for someone living in ``timezone``."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def bridged(earlier: date, later: date, pauses: Sequence[Pause]) -> bool:
    """Whether every day strictly between ``earlier`` and ``later`` is paused (true when none lies between)."""
    day = earlier + timedelta(days=1)
    for pause in sorted(pauses, key=lambda p: p.first_day):
        if pause.last_day < day:
            continue
        if pause.first_day > day:
            break
        day = pause.last_day + timedelta(days=1)
        if day >= later:
            break
    return day >= later


def advance(state: StreakState, day: date, pauses: Sequence[Pause] = ()) -> StreakState | None:
    """Fold a *new* practice day into ``state``; days between it and the last one that are all
    paused keep the run going.

    Returns ``None`` when ``day`` is older than the last practice day: the caller then
    recomputes from the member's days (rare: a timezone change, a late event).
    """
    if state.last_day is not None and day < state.last_day:
        return None
    if state.last_day == day:
        return state
    consecutive = state.last_day is not None and bridged(state.last_day, day, pauses)
    current = state.current + 1 if consecutive else 1
    ws, ms = week_start(day), month_start(day)
    return StreakState(
        current=current,
        longest=max(state.longest, current),
        total_days=state.total_days + 1,
        last_day=day,
        week_start=ws,
        week_days=state.week_days + 1 if state.week_start == ws else 1,
        month_start=ms,
        month_days=state.month_days + 1 if state.month_start == ms else 1,
    )


def recompute(days: Iterable[date], pauses: Sequence[Pause] = ()) -> StreakState:
    """The state from scratch, from every practice day (and every pause) of one member."""
    days = sorted(set(days))  # read twice below: a one-shot iterator must not come back empty
    state = StreakState()
    for day in days:
        state = advance(state, day, pauses) or state  # sorted input never goes backwards
    if state.last_day is None:
        return state
    # Windows count every day inside the latest week and month, not only the consecutive run.
    all_days = days
    ws, ms = week_start(state.last_day), month_start(state.last_day)
    return replace(
        state,
        week_days=sum(1 for d in all_days if d >= ws),
        month_days=sum(1 for d in all_days if d >= ms),
    )


def effective_current(current: int, last_day: date | None, today: date, pauses: Sequence[Pause] = ()) -> int:
    """A stored streak still counts if the member practised today or yesterday, or if every day
    since their last practice day, up to yesterday, was paused."""
    if last_day is None:
        return 0
    if (today - last_day).days <= 1 or bridged(last_day, today, pauses):
        return current
    return 0


def live_current(streak: StreakRecord | None, today: date) -> int:
    """A stored streak's current run as of ``today``, its pauses applied."""
    if streak is None:
        return 0
    return effective_current(streak.current, streak.last_day, today, streak.pauses)


def is_away(today: date, pauses: Iterable[Pause]) -> bool:
    """Paused today: the leaderboard marks the member away."""
    return any(pause.covers(today) for pause in pauses)


def active_pause(today: date, pauses: Iterable[Pause]) -> Pause | None:
    """The pause covering ``today`` (or starting later), if any."""
    return next((pause for pause in sorted(pauses, key=lambda p: p.first_day) if pause.last_day >= today), None)


def window_start(window: Window, today: date) -> date | None:
    if window == "week":
        return week_start(today)
    if window == "month":
        return month_start(today)
    return None


def days_in_window(state: StreakState, window: Window, today: date) -> int:
    if window == "all":
        return state.total_days
    if window == "week":
        return state.week_days if state.week_start == week_start(today) else 0
    return state.month_days if state.month_start == month_start(today) else 0


def rank_key(current: int, longest: int, days: int) -> tuple[int, int, int]:
    """Leaderboard order: current streak, then longest, then practice days (all descending)."""
    return (-current, -longest, -days)


def named_member(asker: UserRef, member: str) -> UserRef | None:
    """The member a command names (``<@U123>``, ``<@!123>``, ``<@U123|ann>``, ``@name``) on the asker's
    platform and workspace, or None when it names nobody (``/practice streak``, ``/practice stats``)."""
    user_id = member.strip().lstrip("<").rstrip(">").lstrip("@").lstrip("!").split("|")[0].lstrip("@")
    if not user_id:
        return None
    return UserRef(asker.platform, user_id, asker.workspace, member if member.startswith("@") else "")
