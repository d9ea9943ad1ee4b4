"""What progress says: streaks and leaderboards."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.core.messages import OutMessage
from bot.core.records import LeaderboardRow, StreakRecord
from bot.core.texts import message


def streak_message(name: str, streak: StreakRecord | None, current: int, *, interviews_given: int = 0,
                   away_until: date | None = None) -> OutMessage:
    away = [f"Away until {away_until:%a %b %d}: paused days neither extend nor break the streak."] if away_until else []
    if streak is None or streak.total_days == 0:
        lines = [f"{name} has no practice days yet. Answer a daily prompt or try `/practice interview`."]
        if interviews_given:
            lines.append(f"Interviews given: {interviews_given}")
        return message("", [*lines, *away], ephemeral=True)
    return message(
        f"{name}'s practice",
        [
            f"Current streak: *{_days(current)}*",
            f"Longest streak: {_days(streak.longest)}",
            f"Practice days: {streak.total_days}",
            f"Interviews given: {interviews_given}",
            *away,
        ],
        ephemeral=True,
    )


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def leaderboard_message(window: str, rows: Sequence[LeaderboardRow]) -> OutMessage:
    heading = {"week": "this week", "month": "this month", "all": "all time"}[window]
    if not rows:
        return message(f"Leaderboard, {heading}", ["Nobody has practised yet. Be the first!"])
    lines = [
        f"{row.rank}. {row.member.mention}: {row.current}-day streak "
        f"(longest {row.longest}, {_days(row.days)}, {_given(row.interviews_given)})"
        f"{' · away' if row.away else ''}"
        for row in rows
    ]
    return message(f"Leaderboard, {heading}", lines)


def _given(count: int) -> str:
    return f"{count} interview given" if count == 1 else f"{count} interviews given"
