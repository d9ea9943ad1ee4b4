"""Daily prompts: channel schedules, prompts claimed once per channel and local date, closed once,
and their answers. Implements ``PromptStore``, ``PromptDeliveryStore`` and, with ``members``'
``get_channel``, ``ScheduleStore`` (``bot.core.prompts.store``)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Select, func, literal, select, true, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.records import (
    AnswerRecord,
    ChannelMove,
    ChannelRecord,
    DailyPromptDraft,
    DailyPromptRecord,
    OutboxDraft,
    Schedule,
)
from bot.core.refs import ChannelRef, MessageRef, ThreadRef
from bot.storage.mapping import channel_record, dates_text, message_key, prompt_record, thread_key, weekdays_text
from bot.storage.models import Answer, Channel, DailyPrompt
from bot.storage.outbox import sent_statement
from bot.storage.scores import ScoreQueries, with_member

if TYPE_CHECKING:
    from bot.core.prompts import PromptDeliveryStore, PromptStore

log = logging.getLogger(__name__)


def _with_channel() -> Select[DailyPrompt, Channel]:
    return select(DailyPrompt, Channel).join(Channel, DailyPrompt.channel_id == Channel.id)


def _of_channel(query: Select[DailyPrompt, Channel], ref: ChannelRef) -> Select[DailyPrompt, Channel]:
    return query.where(
        Channel.platform == ref.platform, Channel.workspace == ref.workspace, Channel.external_id == ref.channel_id
    )


class PromptQueries(ScoreQueries):
    async def save_schedule(
        self, channel: ChannelRef, *, schedule: Schedule | None, next_prompt_at: datetime | None
    ) -> ChannelRecord:
        async with self._write() as session:
            row = await self._ensure_channel(session, channel)
            if schedule is None:
                row.local_time, row.timezone, row.weekdays, row.enabled = None, None, None, False
                row.skipped_dates, row.paused_until = None, None
            else:
                row.local_time = schedule.local_time.replace(tzinfo=None)
                row.timezone = schedule.timezone
                row.weekdays = weekdays_text(schedule.weekdays)
                row.enabled = schedule.enabled
                row.skipped_dates = dates_text(schedule.skipped)
                row.paused_until = schedule.paused_until
            row.next_prompt_at = next_prompt_at
            await session.flush()
            return channel_record(row)

    async def due_channels(
        self, now: datetime, *, limit: int = 500, after: ChannelRecord | None = None
    ) -> list[ChannelRecord]:
        query = (
            select(Channel)
            .where(Channel.enabled, Channel.next_prompt_at <= now)
            .where(tuple_(Channel.next_prompt_at, Channel.id) > tuple_(
                literal(after.next_prompt_at, Channel.next_prompt_at.type), literal(after.id)) if after else true())
            .order_by(Channel.next_prompt_at, Channel.id)
            .limit(limit)
        )
        async with self._read() as session:
            return [channel_record(row) for row in await session.scalars(query)]

    async def advance_channel(
        self, channel_id: int, *, expected_next_at: datetime, new_next_at: datetime | None
    ) -> bool:
        """Move ``next_prompt_at`` on only if it still is ``expected_next_at``: one caller wins.
        (The tick does this for a batch with ``move_channels``.)"""
        async with self._write() as session:
            return await self._advance_in(session, channel_id, expected_next_at, new_next_at)

    async def claim_daily_prompt(
        self, draft: DailyPromptDraft, *, outbox: Sequence[OutboxDraft] = ()
    ) -> DailyPromptRecord | None:
        """Insert the prompt (unique per channel and local date) and its outbox rows atomically.

        ``None`` when the channel already has a prompt for that date; then nothing is written.
        """
        async with self._write() as session:
            channel = await self._ensure_channel(session, draft.channel)
            prompt_id = await self._insert_prompt(session, channel.id, draft, outbox)
            if prompt_id is None:
                return None
            prompt, channel = (await session.execute(_with_channel().where(DailyPrompt.id == prompt_id))).one()
            return prompt_record(prompt, channel)

    async def move_channels(self, moves: Sequence[ChannelMove]) -> int:
        """Advance each channel from its expected moment and claim its prompt, all in one transaction
        (the fan-out writes once per batch of channels rather than twice per channel).

        Rows are locked in channel id order whatever order the moves come in, so two processes
        moving overlapping batches wait for each other instead of deadlocking (PostgreSQL)."""
        claimed = 0
        async with self._write() as session:
            for move in sorted(moves, key=lambda m: m.channel_id):
                advanced = await self._advance_in(session, move.channel_id, move.expected_next_at, move.new_next_at)
                if advanced and move.prompt is not None:
                    claimed += await self._insert_prompt(session, move.channel_id, move.prompt, move.outbox) is not None
        return claimed

    async def _insert_prompt(
        self, session: AsyncSession, channel_id: int, draft: DailyPromptDraft, outbox: Sequence[OutboxDraft]
    ) -> int | None:
        """Insert the prompt and its outbox rows in the caller's transaction; ``None`` (and nothing
        written) when the channel already has a prompt for that date."""
        statement = (
            self._insert(DailyPrompt)
            .values(
                channel_id=channel_id,
                local_date=draft.local_date,
                section=draft.section,
                scenario_id=draft.scenario_id,
                item_id=draft.item_id,
                question=draft.question,
                closes_at=draft.closes_at,
                closed=False,
            )
            .on_conflict_do_nothing(index_elements=["channel_id", "local_date"])
            .returning(DailyPrompt.id)
        )
        prompt_id = (await session.execute(statement)).scalar_one_or_none()
        if prompt_id is None:
            log.debug("prompt for channel %s on %s was claimed by another process", channel_id, draft.local_date)
            return None
        await self._enqueue_in(session, outbox, subject_id=prompt_id)
        return prompt_id

    async def recent_prompts(self, channel: ChannelRef, *, since: date) -> list[DailyPromptRecord]:
        query = (
            _of_channel(_with_channel(), channel)
            .where(DailyPrompt.local_date >= since)
            .order_by(DailyPrompt.local_date.desc(), DailyPrompt.id.desc())
        )
        async with self._read() as session:
            return [prompt_record(prompt, channel) for prompt, channel in await session.execute(query)]

    async def get_prompt(self, prompt_id: int) -> DailyPromptRecord | None:
        return await self._one_prompt(_with_channel().where(DailyPrompt.id == prompt_id))

    async def set_prompt_message(
        self, prompt_id: int, *, message: MessageRef, thread: ThreadRef | None, sent_outbox_id: int | None = None
    ) -> None:
        statement = (
            update(DailyPrompt)
            .where(DailyPrompt.id == prompt_id)
            .values(
                message_ref=message.serialise(),
                message_key=message_key(message),
                thread_ref=thread.serialise() if thread else None,
                thread_key=thread_key(thread) if thread else None,
            )
            .execution_options(synchronize_session=False)
        )
        async with self._write() as session:
            await session.execute(statement)
            if sent_outbox_id is not None:
                await session.execute(sent_statement(sent_outbox_id, message))

    async def prompt_by_thread(self, thread: ThreadRef) -> DailyPromptRecord | None:
        return await self._one_prompt(
            _with_channel().where(DailyPrompt.thread_key == thread_key(thread)).order_by(DailyPrompt.id.desc())
        )

    async def prompt_by_message(self, message: MessageRef) -> DailyPromptRecord | None:
        """The prompt whose root message is ``message`` (for buttons on it)."""
        return await self._one_prompt(
            _with_channel().where(DailyPrompt.message_key == message_key(message)).order_by(DailyPrompt.id.desc())
        )

    async def latest_prompt(self, channel: ChannelRef) -> DailyPromptRecord | None:
        return await self._one_prompt(
            _of_channel(_with_channel(), channel).order_by(DailyPrompt.local_date.desc(), DailyPrompt.id.desc())
        )

    async def due_prompt_closings(self, now: datetime, *, limit: int = 500) -> list[DailyPromptRecord]:
        """Posted (root message known), unclosed prompts with ``closes_at <= now``, earliest first."""
        query = (
            _with_channel()
            .where(~DailyPrompt.closed, DailyPrompt.closes_at <= now, DailyPrompt.message_ref.is_not(None))
            .order_by(DailyPrompt.closes_at, DailyPrompt.id)
            .limit(limit)
        )
        async with self._read() as session:
            return [prompt_record(prompt, channel) for prompt, channel in await session.execute(query)]

    async def next_prompt_due(self) -> datetime | None:
        """The earliest of the channels' next prompts and the posted prompts' closings."""
        channels = select(func.min(Channel.next_prompt_at)).where(Channel.enabled)
        closings = select(func.min(DailyPrompt.closes_at)).where(~DailyPrompt.closed,
                                                                DailyPrompt.message_ref.is_not(None))
        async with self._read() as session:
            found = [await session.scalar(channels), await session.scalar(closings)]
        return min((moment for moment in found if moment is not None), default=None)

    async def claim_prompt_close(self, prompt_id: int, *, outbox: Sequence[OutboxDraft] = ()) -> bool:
        """Mark closed if not yet closed and enqueue ``outbox`` in the same transaction; True for the one winner."""
        statement = (
            update(DailyPrompt)
            .where(DailyPrompt.id == prompt_id, ~DailyPrompt.closed)
            .values(closed=True)
            .returning(DailyPrompt.id)
            .execution_options(synchronize_session=False)
        )
        async with self._write() as session:
            if (await session.execute(statement)).first() is None:
                return False
            await self._enqueue_in(session, outbox, subject_id=prompt_id)
            return True

    async def _one_prompt(self, query: Select[DailyPrompt, Channel]) -> DailyPromptRecord | None:
        async with self._read() as session:
            row = (await session.execute(query.limit(1))).first()
            if row is None:
                return None
            prompt, channel = row
            return prompt_record(prompt, channel)

    async def answers_for_prompt(self, prompt_id: int) -> list[AnswerRecord]:
        """Every answer to one daily prompt, withdrawn ones included, oldest first."""
        return await self._answers(with_member().where(Answer.prompt_id == prompt_id))


if TYPE_CHECKING:
    def _conforms(queries: PromptQueries) -> tuple[PromptStore, PromptDeliveryStore]:
        return queries, queries  # mypy checks that the queries implement the ports as declared
