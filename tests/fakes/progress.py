"""In memory: ``PracticeStore`` and ``StandingsStore`` (``bot.core.progress.store``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from bot.core.records import AnswerDraft, AnswerRecord, LeaderboardRow, StreakRecord, Window
from bot.core.refs import Platform, UserRef


class FakePractice:
    """Answers by event key; a redelivered key is refused as the database's unique key would."""

    def __init__(self) -> None:
        self.answers: dict[str, AnswerRecord] = {}

    async def record_answer(self, draft: AnswerDraft) -> AnswerRecord | None:
        if draft.event_key in self.answers:
            return None
        record = AnswerRecord(
            id=len(self.answers) + 1, member=draft.member, text=draft.text, event_key=draft.event_key,
            created_at=draft.created_at, local_date=draft.local_date, message=draft.message,
            prompt_id=draft.prompt_id,
            interview_id=draft.interview_id, phase_index=draft.phase_index, withdrawn=False,
        )
        self.answers[draft.event_key] = record
        return record

    async def update_answer_text(self, event_key: str, text: str) -> AnswerRecord | None:
        if event_key not in self.answers:
            return None
        self.answers[event_key] = replace(self.answers[event_key], text=text)
        return self.answers[event_key]

    async def withdraw_answer(self, event_key: str) -> AnswerRecord | None:
        if event_key not in self.answers:
            return None
        self.answers[event_key] = replace(self.answers[event_key], withdrawn=True)
        return self.answers[event_key]


class FakeStandings:
    """Streaks as set by the test; leaderboard reads recorded with their arguments."""

    def __init__(self) -> None:
        self.streaks: dict[tuple[str, str], StreakRecord] = {}
        self.boards: list[dict[str, Any]] = []
        self.rows: list[LeaderboardRow] = []
        self.given: dict[tuple[str, str], int] = {}

    async def get_streak(self, user: UserRef) -> StreakRecord | None:
        return self.streaks.get((user.workspace, user.user_id))

    async def interviews_given(self, interviewer: UserRef) -> int:
        return self.given.get((interviewer.workspace, interviewer.user_id), 0)

    async def leaderboard(
        self, *, platform: Platform, workspace: str, window: Window, today: date, limit: int = 10
    ) -> list[LeaderboardRow]:
        self.boards.append({"platform": platform, "workspace": workspace, "window": window, "today": today,
                            "limit": limit})
        return self.rows[:limit]
