"""Peer mocks: the interviewer's marks (one row per item, changed in place while the interview runs),
their note, and the peer mocks a person interviews. Implements ``MarkStore``, ``NoteStore``,
``PeerCardStore`` and ``RubricStore`` (``bot.core.peers.store``)."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import TYPE_CHECKING, cast

from sqlalchemy import select, update

from bot.core.records import InterviewRecord, PeerMark, Verdict
from bot.core.refs import UserRef
from bot.storage.interviews import InterviewQueries, with_refs
from bot.storage.models import Interview, Member, PracticeDay
from bot.storage.models import PeerMark as PeerMarkRow
from bot.storage.progress import ProgressQueries

if TYPE_CHECKING:
    from bot.core.peers import MarkStore, NoteStore, PeerCardStore, RubricStore

log = logging.getLogger(__name__)


class PeerQueries(ProgressQueries, InterviewQueries):
    async def count_interview_given(self, interview_id: int, *, local_date: date) -> bool:
        """Giving a peer mock is practice: the interviewer's practice day, folded into their streak like an
        answer's. Idempotent (the day is unique per member): ``False`` when the day was counted already."""
        async with self._write() as session:
            interviewer_id = await session.scalar(select(Interview.interviewer_id).where(Interview.id == interview_id))
            if interviewer_id is None:
                return False
            member = await session.get_one(Member, interviewer_id, with_for_update=True)
            new_day = (await session.execute(
                self._insert(PracticeDay).values(member_id=member.id, local_date=local_date)
                .on_conflict_do_nothing(index_elements=["member_id", "local_date"]).returning(PracticeDay.id)
            )).scalar_one_or_none()
            if new_day is None:
                return False
            await self._fold_day(session, member, local_date)
            return True

    async def save_mark(
        self, interview_id: int, *, phase_index: int, item_id: str, mark: Verdict, at: datetime
    ) -> bool:
        """Upsert the mark while the interview is active. The interview row is locked first (PostgreSQL
        ``FOR UPDATE``), so a mark never lands after the transition that ends the interview."""
        async with self._write() as session:
            status = await session.scalar(
                select(Interview.status).where(Interview.id == interview_id).with_for_update()
            )
            if status != "active":
                return False
            insert = self._insert(PeerMarkRow).values(
                interview_id=interview_id, phase_index=phase_index, item_id=item_id, mark=mark, marked_at=at
            )
            await session.execute(insert.on_conflict_do_update(
                index_elements=["interview_id", "item_id"],
                set_={"mark": insert.excluded.mark, "marked_at": insert.excluded.marked_at,
                      "phase_index": insert.excluded.phase_index},
            ))
            return True

    async def marks_for_interview(self, interview_id: int) -> dict[str, PeerMark]:
        async with self._read() as session:
            rows = await session.scalars(select(PeerMarkRow).where(PeerMarkRow.interview_id == interview_id))
            return {
                row.item_id: PeerMark(row.interview_id, row.phase_index, row.item_id, cast("Verdict", row.mark),
                                      row.marked_at)
                for row in rows
            }

    async def latest_given_interview(self, interviewer: UserRef) -> InterviewRecord | None:
        async with self._read() as session:
            member_id = await session.scalar(select(Member.id).where(
                Member.platform == interviewer.platform, Member.workspace == interviewer.workspace,
                Member.external_id == interviewer.user_id))
        if member_id is None:
            return None
        return await self._one_interview(
            with_refs().where(Interview.interviewer_id == member_id).order_by(Interview.id.desc())
        )

    async def save_interviewer_note(self, interview_id: int, note: str) -> None:
        async with self._write() as session:
            await session.execute(
                update(Interview).where(Interview.id == interview_id).values(interviewer_note=note)
                .execution_options(synchronize_session=False)
            )

    async def interviewer_note(self, interview_id: int) -> str | None:
        async with self._read() as session:
            return await session.scalar(select(Interview.interviewer_note).where(Interview.id == interview_id))


if TYPE_CHECKING:
    def _conforms(queries: PeerQueries) -> tuple[MarkStore, NoteStore, PeerCardStore, RubricStore]:
        return queries, queries, queries, queries  # mypy checks that the queries implement the ports as declared
