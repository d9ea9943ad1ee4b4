"""Score cards (``ScoreWriter``, ``bot.core.scoring``), the answers they are read from, and LLM usage."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.core.records import AnswerRecord, ScoreDraft, UsageTotals
from bot.storage.base import StoreBase
from bot.storage.mapping import answer_record, user_ref, verdicts_json
from bot.storage.models import Answer, Interview, Member, Score

if TYPE_CHECKING:
    from bot.core.scoring import ScoreEvents, ScoreListener, ScoreWriter

log = logging.getLogger(__name__)


def with_member() -> Select[Answer, Member]:
    return select(Answer, Member).join(Member, Answer.member_id == Member.id)


class ScoreQueries(StoreBase):
    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self._score_listeners: list[ScoreListener] = []

    async def _answers(self, query: Select[Answer, Member]) -> list[AnswerRecord]:
        async with self._read() as session:
            rows = await session.execute(query.order_by(Answer.created_at, Answer.id))
            return [answer_record(answer, member) for answer, member in rows]

    async def save_score(self, draft: ScoreDraft) -> None:
        """Store a score card. Without ``created_at`` it is stamped with the wall clock."""
        card = draft.card
        row = Score(
            answer_id=draft.answer_id,
            interview_id=draft.interview_id,
            phase_index=draft.phase_index,
            section=card.section,
            scorer=card.scorer,
            model=card.model,
            score=card.score,
            verdicts=verdicts_json(card.verdicts),
            feedback=card.feedback,
            follow_up=card.follow_up,
            prompt_tokens=card.prompt_tokens,
            completion_tokens=card.completion_tokens,
            fallback_reason=card.fallback_reason,
            created_at=draft.created_at or datetime.now(UTC),
        )
        async with self._write() as session:
            session.add(row)
            member = await self._scored_member(session, draft) if self._score_listeners else None
        if member is not None:
            for listener in list(self._score_listeners):
                try:
                    listener(user_ref(member))
                except Exception:
                    log.exception("a score listener failed; the score is saved")

    def on_score_saved(self, listener: ScoreListener) -> None:
        self._score_listeners.append(listener)

    @staticmethod
    async def _scored_member(session: AsyncSession, draft: ScoreDraft) -> Member | None:
        """Whose answer (or interview) the card scored."""
        if draft.answer_id is not None:
            query = select(Member).join(Answer, Answer.member_id == Member.id).where(Answer.id == draft.answer_id)
        elif draft.interview_id is not None:
            query = (select(Member).join(Interview, Interview.candidate_id == Member.id)
                     .where(Interview.id == draft.interview_id))
        else:
            return None
        return (await session.scalars(query)).one_or_none()

    async def usage_totals(self) -> UsageTotals:
        """Every stored score counts; ``per_section`` and ``llm_sections`` only LLM-scored ones.
        Tokens are summed over all scores (a fallback may have spent some before failing)."""
        is_llm = Score.scorer == "llm"
        totals = select(
            func.count(Score.id),
            func.count(Score.id).filter(is_llm),
            func.coalesce(func.sum(Score.prompt_tokens), 0),
            func.coalesce(func.sum(Score.completion_tokens), 0),
        )
        per_section = (
            select(
                Score.section,
                func.count(Score.id),
                func.coalesce(func.sum(Score.prompt_tokens), 0),
                func.coalesce(func.sum(Score.completion_tokens), 0),
            )
            .where(is_llm)
            .group_by(Score.section)
            .order_by(Score.section)
        )
        fallbacks = (
            select(Score.fallback_reason, func.count(Score.id))
            .where(Score.fallback_reason != "")
            .group_by(Score.fallback_reason)
        )
        async with self._read() as session:
            scored, llm, prompt_tokens, completion_tokens = (await session.execute(totals)).one()
            reasons = {str(reason): int(count) for reason, count in await session.execute(fallbacks)}
            sections = {
                int(section): (int(count), int(prompt), int(completion))
                for section, count, prompt, completion in await session.execute(per_section)
            }
        return UsageTotals(
            scored_sections=int(scored),
            llm_sections=int(llm),
            prompt_tokens=int(prompt_tokens),
            completion_tokens=int(completion_tokens),
            per_section=sections,
            fallbacks=reasons,
        )


if TYPE_CHECKING:
    def _conforms(queries: ScoreQueries) -> tuple[ScoreWriter, ScoreEvents]:
        return queries, queries  # mypy checks that the queries implement the port as declared
