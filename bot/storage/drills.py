"""Drills (``/practice drill``): a member's personal prompts, found by their thread, and their answers.
Implements ``DrillStore`` and ``DrillDeliveryStore`` (``bot.core.prompts.store``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Select, select

from bot.core.records import AnswerRecord, DrillDraft, DrillRecord
from bot.core.refs import ThreadRef, UserRef
from bot.storage.mapping import channel_ref, thread_key, user_ref
from bot.storage.models import Answer, Channel, Drill, Member
from bot.storage.scores import ScoreQueries, with_member

if TYPE_CHECKING:
    from bot.core.prompts import DrillDeliveryStore, DrillStore


def _drills() -> Select[Drill, Member, Channel]:
    return (select(Drill, Member, Channel).join(Member, Drill.member_id == Member.id)
            .join(Channel, Drill.channel_id == Channel.id))


def drill_record(drill: Drill, member: Member, channel: Channel) -> DrillRecord:
    return DrillRecord(
        id=drill.id, member=user_ref(member), channel=channel_ref(channel), section=drill.section,
        scenario_id=drill.scenario_id, item_id=drill.item_id, question=drill.question,
        thread=ThreadRef.parse(drill.thread_ref), created_at=drill.created_at,
    )


class DrillQueries(ScoreQueries):
    async def create_drill(self, draft: DrillDraft) -> DrillRecord:
        async with self._write() as session:
            member = await self._ensure_member(session, draft.member)
            channel = await self._ensure_channel(session, draft.channel)
            drill = Drill(member_id=member.id, channel_id=channel.id, section=draft.section,
                          scenario_id=draft.scenario_id, item_id=draft.item_id, question=draft.question,
                          thread_ref=draft.thread.serialise(), thread_key=thread_key(draft.thread),
                          created_at=draft.created_at)
            session.add(drill)
            await session.flush()
            return drill_record(drill, member, channel)

    async def drill_by_thread(self, thread: ThreadRef) -> DrillRecord | None:
        return await self._one_drill(_drills().where(Drill.thread_key == thread_key(thread)).order_by(Drill.id.desc()))

    async def get_drill(self, drill_id: int) -> DrillRecord | None:
        return await self._one_drill(_drills().where(Drill.id == drill_id))

    async def recent_drills(self, user: UserRef, *, limit: int = 10) -> list[DrillRecord]:
        query = (_drills().where(Member.platform == user.platform, Member.workspace == user.workspace,
                                 Member.external_id == user.user_id)
                 .order_by(Drill.created_at.desc(), Drill.id.desc()).limit(limit))
        async with self._read() as session:
            return [drill_record(*row) for row in await session.execute(query)]

    async def answers_for_drill(self, drill_id: int) -> list[AnswerRecord]:
        """Every answer written in one drill's thread, withdrawn ones included, oldest first."""
        return await self._answers(with_member().where(Answer.drill_id == drill_id))

    async def _one_drill(self, query: Select[Drill, Member, Channel]) -> DrillRecord | None:
        async with self._read() as session:
            row = (await session.execute(query.limit(1))).first()
            return drill_record(*row) if row is not None else None


if TYPE_CHECKING:
    def _conforms(queries: DrillQueries) -> tuple[DrillStore, DrillDeliveryStore]:
        return queries, queries  # mypy checks that the queries implement the ports as declared
