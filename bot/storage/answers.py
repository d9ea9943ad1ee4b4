"""Answers with their practice days and streak updates; scores and LLM usage."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.records import AnswerDraft, AnswerRecord, ScoreCard, ScoreDraft, UsageTotals
from bot.core.streaks import advance, recompute
from bot.storage.base import StoreBase
from bot.storage.mapping import answer_record, score_card, store_streak, streak_state, verdicts_json
from bot.storage.models import Answer, Member, PracticeDay, Score

log = logging.getLogger(__name__)


class _Duplicate(Exception):
    """Raised inside a transaction to roll it back: the answer's event was already recorded."""


def _with_member() -> Select[Answer, Member]:
    return select(Answer, Member).join(Member, Answer.member_id == Member.id)


class AnswerQueries(StoreBase):
    async def record_answer(self, draft: AnswerDraft) -> AnswerRecord | None:
        """Insert the answer, its practice day and the streak update in one transaction.

        ``None`` when ``event_key`` was already recorded (a redelivery); then nothing is
        written at all, not even the member row. The member row is locked first, so
        concurrent answers by one person update the streak one after the other.
        """
        try:
            async with self._write() as session:
                member = await self._ensure_member(session, draft.member, lock=True)
                statement = (
                    self._insert(Answer)
                    .values(
                        member_id=member.id,
                        text=draft.text,
                        event_key=draft.event_key,
                        created_at=draft.created_at,
                        local_date=draft.local_date,
                        message_ref=draft.message.serialise() if draft.message else None,
                        prompt_id=draft.prompt_id,
                        interview_id=draft.interview_id,
                        phase_index=draft.phase_index,
                        withdrawn=False,
                    )
                    .on_conflict_do_nothing(index_elements=["event_key"])
                    .returning(Answer.id)
                )
                answer_id = (await session.execute(statement)).scalar_one_or_none()
                if answer_id is None:
                    raise _Duplicate
                new_day = (
                    await session.execute(
                        self._insert(PracticeDay)
                        .values(member_id=member.id, local_date=draft.local_date)
                        .on_conflict_do_nothing(index_elements=["member_id", "local_date"])
                        .returning(PracticeDay.id)
                    )
                ).scalar_one_or_none()
                if new_day is not None:
                    await self._fold_day(session, member, draft.local_date)
                answer = await session.get_one(Answer, answer_id)
                return answer_record(answer, member)
        except _Duplicate:
            log.debug("answer %s already recorded", draft.event_key)
            return None

    async def _fold_day(self, session: AsyncSession, member: Member, day: date) -> None:
        """Add a new practice day to the stored streak; recompute when it arrives out of order."""
        state = advance(streak_state(member), day)
        if state is None:
            log.info("practice day %s for member %s is out of order: recomputing the streak", day, member.id)
            state = recompute(await self._practice_days(session, member.id))
        store_streak(member, state)

    @staticmethod
    async def _practice_days(session: AsyncSession, member_id: int) -> list[date]:
        days = await session.scalars(select(PracticeDay.local_date).where(PracticeDay.member_id == member_id))
        return list(days)

    async def update_answer_text(self, event_key: str, text: str) -> AnswerRecord | None:
        statement = (
            update(Answer)
            .where(Answer.event_key == event_key)
            .values(text=text)
            .returning(Answer.id)
            .execution_options(synchronize_session=False)
        )
        async with self._write() as session:
            if (await session.execute(statement)).first() is None:
                return None
            answer, member = (await session.execute(_with_member().where(Answer.event_key == event_key))).one()
            return answer_record(answer, member)

    async def withdraw_answer(self, event_key: str) -> AnswerRecord | None:
        """Mark the answer withdrawn; drop its practice day if no other answer of the member's
        that day stands, and then recompute the streak from the remaining days.

        Withdrawing twice changes nothing the second time. ``None`` for an unknown key.
        """
        async with self._write() as session:
            member_id = (
                await session.execute(select(Answer.member_id).where(Answer.event_key == event_key))
            ).scalar_one_or_none()
            if member_id is None:
                return None
            # Lock the member before touching the answer: the same order as record_answer.
            member = (
                await session.scalars(
                    select(Member).where(Member.id == member_id).with_for_update()
                    .execution_options(populate_existing=True)
                )
            ).one()
            answer = (
                await session.scalars(
                    select(Answer).where(Answer.event_key == event_key).execution_options(populate_existing=True)
                )
            ).one()
            if answer.withdrawn:
                return answer_record(answer, member)
            answer.withdrawn = True
            others = await session.scalar(
                select(func.count(Answer.id)).where(
                    Answer.member_id == member_id,
                    Answer.local_date == answer.local_date,
                    Answer.id != answer.id,
                    ~Answer.withdrawn,
                )
            )
            if not others:
                dropped = await session.execute(
                    delete(PracticeDay)
                    .where(PracticeDay.member_id == member_id, PracticeDay.local_date == answer.local_date)
                    .returning(PracticeDay.id)
                )
                if dropped.first() is not None:
                    store_streak(member, recompute(await self._practice_days(session, member_id)))
            return answer_record(answer, member)

    async def answers_for_phase(self, interview_id: int, phase_index: int) -> list[AnswerRecord]:
        """Every answer of one interview phase, withdrawn ones included, oldest first."""
        return await self._answers(
            _with_member().where(Answer.interview_id == interview_id, Answer.phase_index == phase_index)
        )

    async def answers_for_prompt(self, prompt_id: int) -> list[AnswerRecord]:
        """Every answer to one daily prompt, withdrawn ones included, oldest first."""
        return await self._answers(_with_member().where(Answer.prompt_id == prompt_id))

    async def _answers(self, query: Select[Answer, Member]) -> list[AnswerRecord]:
        async with self._read() as session:
            rows = await session.execute(query.order_by(Answer.created_at, Answer.id))
            return [answer_record(answer, member) for answer, member in rows]

    # ------------------------------------------------------------------------------- scores
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

    async def scores_for_interview(self, interview_id: int) -> dict[int, ScoreCard]:
        """phase index -> the latest score card."""
        query = (
            select(Score)
            .where(Score.interview_id == interview_id, Score.phase_index.is_not(None))
            .order_by(Score.created_at, Score.id)
        )
        cards: dict[int, ScoreCard] = {}
        async with self._read() as session:
            for row in await session.scalars(query):
                if row.phase_index is not None:
                    cards[row.phase_index] = score_card(row)
        return cards

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
        async with self._read() as session:
            scored, llm, prompt_tokens, completion_tokens = (await session.execute(totals)).one()
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
        )
