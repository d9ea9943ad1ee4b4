"""Progress: answers with their practice days and streak updates, stored streaks and (from
``leaderboard``) the ranked board. Implements ``PracticeStore`` and ``StandingsStore``
(``bot.core.progress.store``)."""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.progress.rules import advance, recompute
from bot.core.records import AnswerDraft, AnswerRecord, StreakRecord
from bot.core.refs import UserRef
from bot.storage.leaderboard import LeaderboardQueries
from bot.storage.mapping import answer_record, store_streak, streak_state, user_ref
from bot.storage.models import Answer, Interview, Member, PracticeDay
from bot.storage.pauses import pauses_after
from bot.storage.scores import with_member

if TYPE_CHECKING:
    from bot.core.progress import PracticeStore, StandingsStore

log = logging.getLogger(__name__)


class _Duplicate(Exception):
    """Raised inside a transaction to roll it back: the answer's event was already recorded."""


class ProgressQueries(LeaderboardQueries):
    async def record_answer(self, draft: AnswerDraft) -> AnswerRecord | None:
        """Insert the answer, its practice day and the streak update in one transaction.

        ``None`` when ``event_key`` was already recorded (a redelivery); then nothing is
        written at all, not even the member row. The member row is locked first, so
        concurrent answers by one person update the streak one after the other.
        """
        try:
            async with self._write(effect=True) as session:
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
                        drill_id=draft.drill_id,
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
        state = advance(streak_state(member), day, await pauses_after(session, member.id, member.last_day))
        if state is None:
            log.info("practice day %s for member %s is out of order: recomputing the streak", day, member.id)
            state = recompute(await self._practice_days(session, member.id),
                              await pauses_after(session, member.id, None))
        store_streak(member, state)

    @staticmethod
    async def _practice_days(session: AsyncSession, member_id: int) -> list[date]:
        days = await session.scalars(select(PracticeDay.local_date).where(PracticeDay.member_id == member_id))
        return list(days)

    async def interviews_given(self, interviewer: UserRef) -> int:
        """Peer mocks this person interviewed that are over."""
        async with self._read() as session:
            count = await session.scalar(
                select(func.count(Interview.id)).join(Member, Interview.interviewer_id == Member.id).where(
                    Member.platform == interviewer.platform, Member.workspace == interviewer.workspace,
                    Member.external_id == interviewer.user_id, Interview.status != "active"))
            return int(count or 0)

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
            answer, member = (await session.execute(with_member().where(Answer.event_key == event_key))).one()
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
                    store_streak(member, recompute(await self._practice_days(session, member_id),
                                                   await pauses_after(session, member_id, None)))
            return answer_record(answer, member)

    async def get_streak(self, user: UserRef) -> StreakRecord | None:
        """The stored streak; the service applies ``effective_current`` for today."""
        async with self._read() as session:
            member = await self._find_member(session, user)
            if member is None:
                return None
            return StreakRecord(
                member=user_ref(member),
                current=member.current_streak,
                longest=member.longest_streak,
                total_days=member.total_days,
                last_day=member.last_day,
                pauses=tuple(await pauses_after(session, member.id, member.last_day)),
            )


if TYPE_CHECKING:
    def _conforms(queries: ProgressQueries) -> tuple[PracticeStore, StandingsStore]:
        return queries, queries  # mypy checks that the queries implement the ports as declared
