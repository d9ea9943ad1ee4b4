"""The progress capability's ports: answers as practice, streaks and the leaderboard."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from bot.core.progress.history import MemberHistory
from bot.core.progress.stats import ScoreFact, ScoreScope
from bot.core.records import AnswerDraft, AnswerRecord, LeaderboardRow, StreakRecord, Window
from bot.core.refs import Platform, UserRef


class PracticeStore(Protocol):
    async def record_answer(self, draft: AnswerDraft) -> AnswerRecord | None:
        """Insert the answer, its practice day and the streak update atomically.

        ``None`` when ``event_key`` was already recorded (redelivery).
        """
        ...

    async def update_answer_text(self, event_key: str, text: str) -> AnswerRecord | None: ...

    async def withdraw_answer(self, event_key: str) -> AnswerRecord | None:
        """Mark the answer withdrawn; drop its practice day if it was the day's only answer."""
        ...


class StandingsStore(Protocol):
    async def get_streak(self, user: UserRef) -> StreakRecord | None: ...

    async def interviews_given(self, interviewer: UserRef) -> int:
        """Peer mocks this person interviewed (over): shown with their streak."""
        ...

    async def leaderboard(
        self, *, platform: Platform, workspace: str, window: Window, today: date, limit: int = 10
    ) -> list[LeaderboardRow]: ...


class ScoredAnswers(Protocol):
    """Scored answers in a scope: what stats draw, and what weights daily prompts and drills."""

    async def scored_answers(self, scope: ScoreScope, *, since: date) -> list[ScoreFact]:
        """Every scored answer in ``scope`` answered on or after ``since`` (the answer's practice day),
        oldest first; an interview phase counts once, with its latest card."""
        ...


class StatsStore(ScoredAnswers, Protocol):
    """What stats read: scored answers in a scope, and a member's practice days."""

    async def practice_days(self, user: UserRef, *, since: date) -> list[date]: ...


class StreakReader(Protocol):
    """A member's stored streak, for what shows it beside other things (stats)."""

    async def get_streak(self, user: UserRef) -> StreakRecord | None: ...


class HistoryStore(Protocol):
    async def member_history(self, platform: Platform, user_id: str) -> MemberHistory | None:
        """Every interview, daily prompt answer and drill of the member (every workspace on the
        platform), withdrawn answers left out; ``None`` when nothing about them is stored."""
        ...
