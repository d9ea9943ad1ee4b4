"""The leaderboard: a few index seeks, whatever the number of members.

Ranking (``bot.core.progress.rules.rank_key``) is by effective current streak, then longest
streak, then practice days in the window. The effective current streak is the stored one
only while it is live (practised today or yesterday), so the order cannot be read off one
index on the stored columns: stale streaks would sit on top and, on a quiet board, the
scan would wade through all of them. (``WHERE last_day >= yesterday ORDER BY current``
on an index led by ``current`` reads every stale member with a higher streak first: a
100k-member workspace with three live members is a full scan.) Instead members split in two:

* **live**: ``last_day`` is yesterday or later (later happens: a member whose timezone
  runs ahead of the channel's). Every live member has a current streak of at least 1, so
  all of them rank above everyone else. One seek per day (yesterday, today, tomorrow) on
  ``ix_member_board_live (platform, workspace, last_day, current_streak, longest_streak,
  total_days)`` returns them already in (current, longest, total) order and stops after
  ``fetch`` entries; one more range query picks up anything later (normally nothing).
* **resting**: everyone else, effective current 0, ranked by longest streak then days;
  read only when the live members do not fill the board. For ``all`` it is a backward
  range on ``ix_member_board_longest (platform, workspace, longest_streak, total_days)``
  with ``longest_streak > 0`` (members who never practised stay off), which meets the
  (fewer than ``limit``) live members again and drops them as duplicates. For ``week`` and
  ``month`` it is the same on ``ix_member_board_week``/``ix_member_board_month``
  ``(platform, workspace, week_start|month_start, longest_streak, total_days)`` at the
  window's start (the week and month of each member's last practice day), live members
  again dropped. (Sorting the window's ``last_day`` range instead costs a month of members.)

* **away**: members paused today or until yesterday (``/practice pause``). A pause bridges the days since
  their last practice day, so their streak can be live whatever ``last_day`` says: one range on
  ``ix_member_pause_last_day`` (few rows: pauses that end yesterday or later) picks them up. The board then
  reads the pauses of its candidates (those ending after each one's last practice day) so ``effective_current``
  applies them, and marks the members paused today as away.

Each ranked row also carries the peer mocks its member interviewed (one grouped count over the shown rows).

Both indexes are ascending and read backwards: every sort key is descending, which SQLite
and PostgreSQL both serve from an ascending B-tree. ``test_leaderboard`` checks the plans.

Approximation: the third sort key is practice days *in the window*, which no index can
hold (it depends on the window and on today). SQL orders by ``total_days`` instead and
fetches ``CANDIDATE_FACTOR`` times ``limit`` candidates per query, which Python ranks
exactly with ``rank_key``. The board can differ from a full scan only when more than
``fetch`` members with one ``last_day`` tie on current and longest streak at the cut-off,
and then only in which of those tied members are shown. Ties on all three keys go to the
older member (lower id) among the candidates.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.progress.rules import days_in_window, effective_current, is_away, rank_key, window_start
from bot.core.records import LeaderboardRow, Pause, Window
from bot.core.refs import Platform
from bot.storage.base import StoreBase
from bot.storage.mapping import streak_state, user_ref
from bot.storage.models import Interview, Member, MemberPause

log = logging.getLogger(__name__)

CANDIDATE_FACTOR = 4
LIVE_SEEKS = (-1, 0, 1)
"""Offsets from ``today`` read with one ordered seek each; later days use one range query."""


class LeaderboardQueries(StoreBase):
    async def leaderboard(
        self, *, platform: Platform, workspace: str, window: Window, today: date, limit: int = 10
    ) -> list[LeaderboardRow]:
        """The top ``limit`` members of a workspace for ``window``, ranked 1..n (see the module doc)."""
        if limit <= 0:
            return []
        fetch = max(limit * CANDIDATE_FACTOR, limit + 10)
        start = window_start(window, today)
        yesterday = today - timedelta(days=1)
        seek_days = [today + timedelta(days=offset) for offset in LIVE_SEEKS]
        later = today + timedelta(days=LIVE_SEEKS[-1] + 1)
        if start is not None:
            seek_days = [day for day in seek_days if day >= start]
            later = max(later, start)
        candidates: dict[int, Member] = {}
        async with self._read() as session:
            for day in seek_days:
                _collect(candidates, await session.scalars(live_query(platform, workspace, day, fetch)))
            _collect(candidates, await session.scalars(later_query(platform, workspace, later, fetch)))
            _collect(candidates, await session.scalars(away_query(platform, workspace, yesterday, fetch)))
            if len(candidates) < limit:
                if start is None:
                    query = resting_query(platform, workspace, fetch + len(candidates))
                    _collect(candidates, await session.scalars(query))
                elif start < yesterday:  # a window that began yesterday or later has no resting member
                    query = window_resting_query(platform, workspace, window=window, start=start,
                                                 fetch=fetch + len(candidates))
                    _collect(candidates, await session.scalars(query))
            pauses = await _pauses_of(session, list(candidates))
            rows = _rank(candidates.values(), pauses, window=window, today=today, limit=limit)
            given = await _interviews_given(session, [member_id for member_id, _row in rows])
        return [replace(row, interviews_given=given.get(member_id, 0)) for member_id, row in rows]


def _by_streak(query: Select[Member], fetch: int) -> Select[Member]:
    return query.order_by(
        Member.current_streak.desc(), Member.longest_streak.desc(), Member.total_days.desc()
    ).limit(fetch)


def _by_longest(query: Select[Member], fetch: int) -> Select[Member]:
    return query.order_by(Member.longest_streak.desc(), Member.total_days.desc()).limit(fetch)


def _board(platform: Platform, workspace: str) -> Select[Member]:
    return select(Member).where(Member.platform == platform, Member.workspace == workspace)


def live_query(platform: Platform, workspace: str, day: date, fetch: int) -> Select[Member]:
    """Members whose last practice day is ``day``, best streaks first (one backward index range)."""
    return _by_streak(_board(platform, workspace).where(Member.last_day == day), fetch)


def later_query(platform: Platform, workspace: str, since: date, fetch: int) -> Select[Member]:
    """Members whose last practice day is ``since`` or later: rare, so sorting them is cheap."""
    return _by_streak(_board(platform, workspace).where(Member.last_day >= since), fetch)


def resting_query(platform: Platform, workspace: str, fetch: int) -> Select[Member]:
    """Everyone who ever practised, by longest streak then days (live members come back too)."""
    return _by_longest(_board(platform, workspace).where(Member.longest_streak > 0), fetch)


def window_resting_query(platform: Platform, workspace: str, *, window: Window, start: date, fetch: int
                         ) -> Select[Member]:
    """Members who last practised in the week or month beginning ``start``, by longest streak then days.

    ``week_start``/``month_start`` are those of the last practice day, so this is one backward
    range of ``ix_member_board_week``/``ix_member_board_month``, however many members the window
    holds. The (fewer than ``limit``) live members come back too and are dropped as duplicates.
    """
    column = Member.week_start if window == "week" else Member.month_start
    return _by_longest(_board(platform, workspace).where(column == start), fetch)


def away_query(platform: Platform, workspace: str, since: date, fetch: int) -> Select[Member]:
    """Members with a pause that ends on ``since`` or later (paused now, or until yesterday)."""
    paused = select(MemberPause.member_id).where(MemberPause.last_day >= since)
    return _by_streak(_board(platform, workspace).where(Member.id.in_(paused)), fetch)


async def _pauses_of(session: AsyncSession, member_ids: list[int]) -> dict[int, list[Pause]]:
    """The candidates' pauses that end after their last practice day (the ones that can bridge)."""
    if not member_ids:
        return {}
    rows = await session.execute(
        select(MemberPause.member_id, MemberPause.first_day, MemberPause.last_day)
        .join(Member, Member.id == MemberPause.member_id)
        .where(MemberPause.member_id.in_(member_ids),
               or_(Member.last_day.is_(None), MemberPause.last_day > Member.last_day)))
    found: dict[int, list[Pause]] = {}
    for member_id, first_day, last_day in rows:
        found.setdefault(member_id, []).append(Pause(first_day, last_day))
    return found


async def _interviews_given(session: AsyncSession, member_ids: list[int]) -> dict[int, int]:
    """Peer mocks each member interviewed that are over."""
    if not member_ids:
        return {}
    rows = await session.execute(
        select(Interview.interviewer_id, func.count(Interview.id))
        .where(Interview.interviewer_id.in_(member_ids), Interview.status != "active")
        .group_by(Interview.interviewer_id))
    return {int(member_id): int(count) for member_id, count in rows if member_id is not None}


def _collect(candidates: dict[int, Member], members: Iterable[Member]) -> None:
    for member in members:
        candidates.setdefault(member.id, member)


def _rank(members: Iterable[Member], pauses: dict[int, list[Pause]], *, window: Window, today: date, limit: int
          ) -> list[tuple[int, LeaderboardRow]]:
    scored = []
    for member in members:
        current = effective_current(member.current_streak, member.last_day, today, pauses.get(member.id, ()))
        days = days_in_window(streak_state(member), window, today)
        scored.append((rank_key(current, member.longest_streak, days), member.id, current, days, member))
    scored.sort(key=lambda entry: (entry[0], entry[1]))
    return [
        (member_id, LeaderboardRow(
            rank=number,
            member=user_ref(member),
            current=current,
            longest=member.longest_streak,
            days=days,
            away=is_away(today, pauses.get(member_id, ())),
        ))
        for number, (_key, member_id, current, days, member) in enumerate(scored[:limit], start=1)
    ]
