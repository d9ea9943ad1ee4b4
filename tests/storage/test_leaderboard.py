"""The leaderboard: order, windows, broken streaks, filling the board, and its index plans."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.progress.rules import days_in_window, effective_current, rank_key, recompute, window_start
from bot.core.records import AnswerDraft, LeaderboardRow, Window
from bot.core.refs import UserRef
from bot.storage.leaderboard import live_query, resting_query, window_resting_query
from bot.storage.mapping import store_streak
from bot.storage.models import Member
from bot.storage.repository import SqlStore

WEDNESDAY = date(2026, 3, 18)
WINDOWS: tuple[Window, ...] = ("all", "week", "month")


def user(name: str, workspace: str = "T1") -> UserRef:
    return UserRef("slack", name.lower(), workspace, name)


async def practise(store: SqlStore, who: UserRef, *offsets: int, today: date = WEDNESDAY) -> None:
    """Answer once on each of ``today + offset`` days."""
    for offset in offsets:
        day = today + timedelta(days=offset)
        await store.record_answer(AnswerDraft(who, "answer", f"{who.user_id}:{who.workspace}:{day}",
                                              datetime(day.year, day.month, day.day, 12, tzinfo=UTC), day))


def board(rows: list[LeaderboardRow]) -> list[tuple[int, str, int, int, int]]:
    return [(row.rank, row.member.display_name, row.current, row.longest, row.days) for row in rows]


async def test_live_streaks_rank_by_current_then_longest_then_days(store: SqlStore) -> None:
    await practise(store, user("Ann"), -2, -1, 0)              # current 3
    await practise(store, user("Bob"), -9, -8, -7, -6, -1)     # current 1 (yesterday), longest 4
    await practise(store, user("Cid"), -20, -1)                # current 1, longest 1, 2 days
    await practise(store, user("Dee"), 0)                      # current 1, longest 1, 1 day
    rows = await store.leaderboard(platform="slack", workspace="T1", window="all", today=WEDNESDAY)
    assert board(rows) == [(1, "Ann", 3, 3, 3), (2, "Bob", 1, 4, 5), (3, "Cid", 1, 1, 2), (4, "Dee", 1, 1, 1)]
    assert rows[0].member == user("Ann")


async def test_a_broken_streak_counts_zero_and_ranks_below_live_ones(store: SqlStore) -> None:
    await practise(store, user("Old"), -12, -11, -10, -9, -8, -7, -6, -5, -4, -3, -2)  # ten days, broke today
    await practise(store, user("New"), 0)
    rows = await store.leaderboard(platform="slack", workspace="T1", window="all", today=WEDNESDAY)
    assert board(rows) == [(1, "New", 1, 1, 1), (2, "Old", 0, 11, 11)]


async def test_all_board_fills_up_with_resting_members_by_longest_then_days(store: SqlStore) -> None:
    await practise(store, user("Live"), 0)
    await practise(store, user("Long"), -30, -29, -28, -27)
    await practise(store, user("Many"), -50, -40, -30, -20, -10, -9)
    await practise(store, user("Few"), -60, -59)
    await store.ensure_member(user("Never"))  # no practice day: not on any board
    rows = await store.leaderboard(platform="slack", workspace="T1", window="all", today=WEDNESDAY)
    assert board(rows) == [(1, "Live", 1, 1, 1), (2, "Long", 0, 4, 4), (3, "Many", 0, 2, 6), (4, "Few", 0, 2, 2)]
    top = await store.leaderboard(platform="slack", workspace="T1", window="all", today=WEDNESDAY, limit=2)
    assert board(top) == [(1, "Live", 1, 1, 1), (2, "Long", 0, 4, 4)]
    assert await store.leaderboard(platform="slack", workspace="T1", window="all", today=WEDNESDAY, limit=0) == []


async def test_week_and_month_count_days_inside_the_window(store: SqlStore) -> None:
    # the week began on Monday 16 March; the month on 1 March
    await practise(store, user("Ann"), -2, -1, 0)        # Mon-Wed: 3 days this week
    await practise(store, user("Bob"), -3, -2)           # Sun-Mon: resting, 1 day this week, 2 this month
    await practise(store, user("Cid"), -10, -9, -8)      # earlier this month
    await practise(store, user("Dee"), -30)              # February only
    week = await store.leaderboard(platform="slack", workspace="T1", window="week", today=WEDNESDAY)
    assert board(week) == [(1, "Ann", 3, 3, 3), (2, "Bob", 0, 2, 1)]
    month = await store.leaderboard(platform="slack", workspace="T1", window="month", today=WEDNESDAY)
    assert board(month) == [(1, "Ann", 3, 3, 3), (2, "Cid", 0, 3, 3), (3, "Bob", 0, 2, 2)]


async def test_on_monday_last_weeks_practice_is_off_the_week_board(store: SqlStore) -> None:
    monday = date(2026, 3, 16)
    await practise(store, user("Ann"), -2, -1, today=monday)  # Sat, Sun: live streak, but not this week
    assert await store.leaderboard(platform="slack", workspace="T1", window="week", today=monday) == []
    everyone = await store.leaderboard(platform="slack", workspace="T1", window="all", today=monday)
    assert board(everyone) == [(1, "Ann", 2, 2, 2)]


async def test_a_member_whose_timezone_runs_ahead_counts_as_live(store: SqlStore) -> None:
    await practise(store, user("Kiri"), 0, 1)  # already tomorrow where they live
    rows = await store.leaderboard(platform="slack", workspace="T1", window="week", today=WEDNESDAY)
    assert board(rows) == [(1, "Kiri", 2, 2, 2)]


async def test_only_the_asked_workspace_and_platform(store: SqlStore) -> None:
    await practise(store, user("Ann"), 0)
    await practise(store, user("Bob", workspace="T2"), 0, -1)
    await practise(store, UserRef("discord", "ann", "T1", "Dis"), 0)
    rows = await store.leaderboard(platform="slack", workspace="T1", window="all", today=WEDNESDAY)
    assert board(rows) == [(1, "Ann", 1, 1, 1)]
    assert await store.leaderboard(platform="console", workspace="T1", window="all", today=WEDNESDAY) == []


# ------------------------------------------------------------------------------------ against a full scan
async def _seed(store: SqlStore, rng: random.Random, count: int) -> dict[int, list[date]]:
    """Members with random practice histories, written straight to the table (the store's
    own streak upkeep is tested elsewhere; this checks only the board's query strategy)."""
    histories: dict[int, list[date]] = {}
    async with AsyncSession(store.engine) as session, session.begin():
        for n in range(count):
            end = WEDNESDAY + timedelta(days=rng.choice([1, 0, 0, -1, -1, -2, -3, -5, -9, -20, -45]))
            days = sorted({end - timedelta(days=k) for k in range(rng.randint(1, 6))}
                          | {end - timedelta(days=rng.randint(1, 90)) for _ in range(rng.randint(0, 8))})
            member = Member(platform="slack", workspace="T1", external_id=f"u{n}", display_name=f"U{n}")
            store_streak(member, recompute(days))
            session.add(member)
            await session.flush()
            histories[member.id] = days
    return histories


def _full_scan(histories: dict[int, list[date]], window: Window, today: date, limit: int) -> list[tuple[int, int, int]]:
    start = window_start(window, today)
    ranked = []
    for member_id, days in histories.items():
        state = recompute(days)
        assert state.last_day is not None
        if start is not None and state.last_day < start:
            continue
        current = effective_current(state.current, state.last_day, today)
        days_count = days_in_window(state, window, today)
        ranked.append((rank_key(current, state.longest, days_count), member_id, (current, state.longest, days_count)))
    ranked.sort()
    return [values for _key, _id, values in ranked[:limit]]


@pytest.mark.parametrize("seed", [1, 2])
async def test_matches_a_full_scan_of_random_members(store: SqlStore, seed: int) -> None:
    rng = random.Random(seed)
    histories = await _seed(store, rng, 120)
    for today in (WEDNESDAY, WEDNESDAY - timedelta(days=2), WEDNESDAY + timedelta(days=6), date(2026, 4, 1)):
        for window in WINDOWS:
            for limit in (1, 10, 500):
                rows = await store.leaderboard(platform="slack", workspace="T1", window=window, today=today,
                                               limit=limit)
                expected = _full_scan(histories, window, today, limit)
                assert [(r.current, r.longest, r.days) for r in rows] == expected, (today, window, limit)
                assert [r.rank for r in rows] == list(range(1, len(rows) + 1))


# ------------------------------------------------------------------------------------ index plans
async def _plan(store: SqlStore, query: Select[Member]) -> str:
    sql = str(query.compile(dialect=store.engine.dialect, compile_kwargs={"literal_binds": True}))
    async with store.engine.connect() as connection:
        if store.dialect == "sqlite":
            rows = await connection.execute(text(f"EXPLAIN QUERY PLAN {sql}"))
            return "\n".join(str(row[-1]) for row in rows)
        # A handful of rows would be read sequentially; ask whether the index can serve the order.
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            await connection.execute(text(f"SET {setting} = off"))
        rows = await connection.execute(text(f"EXPLAIN {sql}"))
        return "\n".join(str(row[0]) for row in rows)


async def test_the_board_reads_its_indexes_in_order_without_sorting(store: SqlStore) -> None:
    await practise(store, user("Ann"), -1, 0)
    live = await _plan(store, live_query("slack", "T1", WEDNESDAY, 40))
    assert "ix_member_board_live" in live
    assert "TEMP B-TREE" not in live and "Sort" not in live
    resting = await _plan(store, resting_query("slack", "T1", 40))
    assert "ix_member_board_longest" in resting
    assert "TEMP B-TREE" not in resting and "Sort" not in resting
    for window, index in (("week", "ix_member_board_week"), ("month", "ix_member_board_month")):
        start = window_start(window, WEDNESDAY)
        assert start is not None
        plan = await _plan(store, window_resting_query("slack", "T1", window=window, start=start, fetch=40))
        assert index in plan
        assert "TEMP B-TREE" not in plan and "Sort" not in plan
