"""Members' pauses (``/practice pause``): ``PauseStore`` (``bot.core.members.store``), and the
pauses the streak rules read beside a member's practice days."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.records import Pause
from bot.core.refs import UserRef
from bot.storage.base import StoreBase
from bot.storage.models import MemberPause

if TYPE_CHECKING:
    from bot.core.members import PauseStore

log = logging.getLogger(__name__)


async def pauses_after(session: AsyncSession, member_id: int, after: date | None) -> list[Pause]:
    """The member's pauses that end after ``after`` (all of them for ``None``), earliest first."""
    query = select(MemberPause).where(MemberPause.member_id == member_id)
    if after is not None:
        query = query.where(MemberPause.last_day > after)
    rows = await session.scalars(query.order_by(MemberPause.first_day))
    return [Pause(row.first_day, row.last_day) for row in rows]


class PauseQueries(StoreBase):
    async def member_pauses(self, user: UserRef, *, ending_from: date) -> list[Pause]:
        async with self._read() as session:
            member = await self._find_member(session, user)
            if member is None:
                return []
            return await pauses_after(session, member.id, ending_from - timedelta(days=1))

    async def start_pause(self, user: UserRef, pause: Pause, *, now: datetime) -> Pause:
        async with self._write() as session:
            member = await self._ensure_member(session, user, lock=True)
            session.add(MemberPause(member_id=member.id, first_day=pause.first_day, last_day=pause.last_day,
                                    created_at=now))
            return pause

    async def end_pause(self, user: UserRef, *, today: date) -> Pause | None:
        async with self._write() as session:
            member = await self._find_member(session, user, lock=True)
            if member is None:
                return None
            rows = list(await session.scalars(
                select(MemberPause).where(MemberPause.member_id == member.id, MemberPause.last_day >= today)
                .order_by(MemberPause.first_day)))
            if not rows:
                return None
            ended = Pause(rows[0].first_day, rows[-1].last_day)
            for row in rows:
                if row.first_day >= today:
                    await session.execute(delete(MemberPause).where(MemberPause.id == row.id)
                                          .execution_options(synchronize_session=False))
                else:
                    row.last_day = today - timedelta(days=1)
            return ended


if TYPE_CHECKING:
    def _conforms(queries: PauseQueries) -> PauseStore:
        return queries  # mypy checks that the queries implement the port as declared
