"""Stats: scored answers in a scope (a member, a channel, a workspace) and a member's practice days.
Implements ``StatsStore`` (``bot.core.progress.store``).

A daily prompt's score card belongs to its first answer (``score.answer_id``); an interview's cards
to the interview and phase (the latest card of a phase counts), dated by the phase's first answer's
practice day (the interview's start when the phase has none: skipped, or answered before days).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.core.progress.stats import ScoreFact, ScoreScope
from bot.core.refs import UserRef
from bot.storage.base import StoreBase
from bot.storage.mapping import score_card, user_ref
from bot.storage.models import Answer, Channel, DailyPrompt, Interview, Member, PracticeDay, Score

if TYPE_CHECKING:
    from bot.core.progress import StatsStore

log = logging.getLogger(__name__)

UTC = ZoneInfo("UTC")


def _scoped(query: Any, scope: ScoreScope, channel_id: Any) -> Any:
    """``query`` (a select over ``Member``) narrowed to ``scope``."""
    query = query.where(Member.platform == scope.platform, Member.workspace == scope.workspace)
    if scope.member is not None:
        query = query.where(Member.external_id == scope.member.user_id)
    if scope.channel is not None:
        query = query.join(Channel, Channel.id == channel_id).where(
            Channel.platform == scope.channel.platform,
            Channel.workspace == scope.channel.workspace,
            Channel.external_id == scope.channel.channel_id,
        )
    return query


class StatsQueries(StoreBase):
    async def scored_answers(self, scope: ScoreScope, *, since: date) -> list[ScoreFact]:
        prompts = _scoped(
            select(Score, Answer, Member)
            .join(Answer, Score.answer_id == Answer.id)
            .join(Member, Answer.member_id == Member.id)
            .outerjoin(DailyPrompt, DailyPrompt.id == Answer.prompt_id)
            .where(Answer.withdrawn.is_(False), Answer.local_date >= since),
            scope, DailyPrompt.channel_id,
        ).order_by(Score.id)
        # A day of slack on the start: an interview begun late on the 1st (UTC) may be the 2nd locally.
        started_after = datetime.combine(since - timedelta(days=1), time(0), tzinfo=UTC)
        interviews = _scoped(
            select(Score, Interview, Member)
            .join(Interview, Score.interview_id == Interview.id)
            .join(Member, Interview.candidate_id == Member.id)
            .where(Score.answer_id.is_(None), Score.phase_index.is_not(None), Interview.started_at >= started_after),
            scope, Interview.channel_id,
        ).order_by(Score.id)
        facts: list[ScoreFact] = []
        async with self._read() as session:
            for score, answer, member in await session.execute(prompts):
                facts.append(ScoreFact(user_ref(member), score.section, score.score, answer.created_at,
                                       answer.local_date, score_card(score).verdicts,
                                       "drill" if answer.drill_id is not None else "prompt",
                                       subject_id=answer.id))
            latest: dict[tuple[int, int], tuple[Score, Interview, Member]] = {}
            for score, interview, member in await session.execute(interviews):
                latest[(interview.id, score.phase_index or 0)] = (score, interview, member)
            days = await self._phase_days(session, {interview_id for interview_id, _ in latest})
        for (interview_id, phase), (score, interview, member) in latest.items():
            day = days.get((interview_id, phase)) or interview.started_at.date()
            if day >= since:
                facts.append(ScoreFact(user_ref(member), score.section, score.score, interview.started_at, day,
                                       score_card(score).verdicts, "interview", subject_id=interview.id))
        facts.sort(key=lambda fact: (fact.answered_at, fact.day, fact.subject_id))
        return facts

    @staticmethod
    async def _phase_days(session: Any, interview_ids: set[int]) -> dict[tuple[int, int], date]:
        if not interview_ids:
            return {}
        query = (
            select(Answer.interview_id, Answer.phase_index, func.min(Answer.local_date))
            .where(Answer.interview_id.in_(sorted(interview_ids)), Answer.withdrawn.is_(False))
            .group_by(Answer.interview_id, Answer.phase_index)
        )
        return {(int(i), int(p)): d for i, p, d in await session.execute(query) if i is not None and p is not None}

    async def practice_days(self, user: UserRef, *, since: date) -> list[date]:
        query = (
            select(PracticeDay.local_date)
            .join(Member, Member.id == PracticeDay.member_id)
            .where(Member.platform == user.platform, Member.workspace == user.workspace,
                   Member.external_id == user.user_id, PracticeDay.local_date >= since)
            .order_by(PracticeDay.local_date)
        )
        async with self._read() as session:
            return list(await session.scalars(query))


if TYPE_CHECKING:
    def _conforms(queries: StatsQueries) -> StatsStore:
        return queries  # mypy checks that the queries implement the port as declared
