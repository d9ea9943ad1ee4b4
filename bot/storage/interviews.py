"""Mock interviews: created once, then moved on only through versioned transitions; their answers
and score cards. Implements ``InterviewStore`` and ``InterviewScoreStore`` (``bot.core.interviews.store``)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from bot.core.events import SeenEvent
from bot.core.records import (
    AnswerRecord,
    InterviewChanges,
    InterviewDraft,
    InterviewRecord,
    InterviewStatus,
    OutboxDraft,
    ScoreCard,
)
from bot.core.refs import MessageRef, ThreadRef, UserRef
from bot.storage.mapping import interview_record, interview_status, phases_json, score_card, thread_key
from bot.storage.models import Answer, Channel, Interview, Member, Outbox, Score
from bot.storage.scores import ScoreQueries, with_member

if TYPE_CHECKING:
    from bot.core.interviews import InterviewScoreStore, InterviewStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Progress:
    """The columns a transition may change."""

    status: InterviewStatus
    phase_index: int
    phase_started_at: datetime | None
    phase_deadline_at: datetime | None
    nudge_at: datetime | None
    nudged: bool
    hints_used: tuple[str, ...]
    skipped: tuple[int, ...]
    thread: ThreadRef | None
    quiet: bool
    probe_at: datetime | None
    probes_asked: int
    probed: tuple[str, ...]
    extended: tuple[int, ...] = ()

    @classmethod
    def of(cls, row: Interview) -> _Progress:
        return cls(
            status=interview_status(row.status),
            phase_index=row.phase_index,
            phase_started_at=row.phase_started_at,
            phase_deadline_at=row.phase_deadline_at,
            nudge_at=row.nudge_at,
            nudged=row.nudged,
            hints_used=tuple(row.hints_used),
            skipped=tuple(row.skipped),
            thread=ThreadRef.parse(row.thread_ref) if row.thread_ref else None,
            quiet=row.quiet,
            probe_at=row.probe_at,
            probes_asked=row.probes_asked,
            probed=tuple(row.probed or ()),
            extended=tuple(int(index) for index in row.extended or ()),
        )

    def apply(self, changes: InterviewChanges) -> _Progress:
        """``changes`` on top of this state: ``clear_deadlines`` first, then every field that is set."""
        progress = self
        if changes.clear_deadlines:
            progress = replace(progress, phase_deadline_at=None, nudge_at=None, probe_at=None)
        if changes.clear_probe:
            progress = replace(progress, probe_at=None)
        updates: dict[str, Any] = {
            name: getattr(changes, name)
            for name in ("status", "phase_index", "phase_started_at", "phase_deadline_at", "nudge_at", "nudged",
                         "hints_used", "skipped", "thread", "probe_at", "probes_asked", "probed",
                         "extended")
            if getattr(changes, name) is not None
        }
        return replace(progress, **updates)

    @property
    def due_at(self) -> datetime | None:
        """When the clock must next look at this interview: the unsent nudge, a follow-up probe
        that may be due, or the deadline."""
        if self.status != "active":
            return None
        moments = [self.phase_deadline_at]
        if not self.nudged:
            moments.append(self.nudge_at)
        if not self.quiet:
            moments.append(self.probe_at)
        present = [moment for moment in moments if moment is not None]
        return min(present) if present else None

    def columns(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "phase_index": self.phase_index,
            "phase_started_at": self.phase_started_at,
            "phase_deadline_at": self.phase_deadline_at,
            "nudge_at": self.nudge_at,
            "nudged": self.nudged,
            "hints_used": list(self.hints_used),
            "skipped": list(self.skipped),
            "thread_ref": self.thread.serialise() if self.thread else None,
            "thread_key": thread_key(self.thread) if self.thread else None,
            "quiet": self.quiet,
            "probe_at": self.probe_at,
            "probes_asked": self.probes_asked,
            "probed": list(self.probed),
            "extended": list(self.extended) or None,
            "due_at": self.due_at,
        }


Interviewer = aliased(Member, name="interviewer")


def with_refs() -> Select[Interview, Channel, Member, Member]:
    return (
        select(Interview, Channel, Member, Interviewer)
        .join(Channel, Interview.channel_id == Channel.id)
        .join(Member, Interview.candidate_id == Member.id)
        .outerjoin(Interviewer, Interview.interviewer_id == Interviewer.id)
    )


class _Seen(Exception):
    """Raised inside a transaction to roll it back: the event that asked for it was applied before."""


class InterviewQueries(ScoreQueries):
    async def create_interview(
        self, draft: InterviewDraft, *, changes: InterviewChanges,
        outbox: Callable[[InterviewRecord], Sequence[OutboxDraft]] | None = None,
    ) -> InterviewRecord | None:
        """A new active interview at version 1 with ``changes`` applied, plus its outbox rows;
        ``None`` when the candidate already has an active one (a unique partial index decides)."""
        start = _Progress(
            status="active", phase_index=0, phase_started_at=None, phase_deadline_at=None, nudge_at=None,
            nudged=False, hints_used=(), skipped=(), thread=None, quiet=draft.quiet, probe_at=None,
            probes_asked=0, probed=(),
        )
        async with self._write(effect=True) as session:
            channel = await self._ensure_channel(session, draft.channel)
            candidate = await self._ensure_member(session, draft.candidate, timezone=draft.candidate_timezone)
            interviewer = (await self._ensure_member(session, draft.interviewer)
                           if draft.interviewer is not None else None)
            row = Interview(
                channel_id=channel.id,
                candidate_id=candidate.id,
                scenario_id=draft.scenario_id,
                total_minutes=draft.total_minutes,
                phases=phases_json(draft.phases),
                version=1,
                started_at=draft.started_at,
                level=draft.level,
                interviewer_id=interviewer.id if interviewer is not None else None,
                **start.apply(changes).columns(),
            )
            try:
                async with session.begin_nested():
                    session.add(row)
                    await session.flush()
            except IntegrityError:
                return None
            record = interview_record(row, channel, candidate, interviewer)
            if outbox is not None:
                await self._enqueue_in(session, outbox(record), subject_id=row.id)
            return record

    async def get_interview(self, interview_id: int) -> InterviewRecord | None:
        return await self._one_interview(with_refs().where(Interview.id == interview_id))

    async def active_interview(self, candidate: UserRef) -> InterviewRecord | None:
        return await self._one_interview(
            with_refs()
            .where(
                Member.platform == candidate.platform,
                Member.workspace == candidate.workspace,
                Member.external_id == candidate.user_id,
                Interview.status == "active",
            )
            .order_by(Interview.id.desc())
        )

    async def interview_by_thread(self, thread: ThreadRef) -> InterviewRecord | None:
        return await self._one_interview(
            with_refs().where(Interview.thread_key == thread_key(thread)).order_by(Interview.id.desc())
        )

    async def interview_by_message(self, message: MessageRef) -> InterviewRecord | None:
        """The interview whose thread contains ``message`` or is rooted at it.

        "Rooted at" is found through the thread id: a Slack thread's id is its root
        message's ts, and a Discord thread started from a message has that message's id.
        (The store is never told an interview's root message, so an adapter whose thread
        ids differ from root ids, like the console, is only found from inside the thread.)
        """
        keys = [thread_key(ThreadRef(message.channel, message.message_id))]
        if message.thread is not None:
            keys.append(thread_key(message.thread))
        return await self._one_interview(
            with_refs().where(Interview.thread_key.in_(keys)).order_by(Interview.id.desc())
        )

    async def transition_interview(
        self,
        interview_id: int,
        *,
        expected_version: int,
        changes: InterviewChanges,
        outbox: Sequence[OutboxDraft] = (),
        event: SeenEvent | None = None,
    ) -> InterviewRecord | None:
        """Apply ``changes`` only if the row is still at ``expected_version`` (then version + 1),
        with the outbox rows in the same transaction. ``None`` when someone else won. With
        ``event`` (the steering word or click that asked for it) the event is remembered in the
        same transaction, and a redelivered one changes nothing."""
        try:
            async with self._write(effect=True) as session:
                row = await session.get(Interview, interview_id)
                if row is None or row.version != expected_version:
                    return None
                progress = _Progress.of(row).apply(changes)
                statement = (
                    update(Interview)
                    .where(Interview.id == interview_id, Interview.version == expected_version)
                    .values(version=Interview.version + 1, **progress.columns())
                    .returning(Interview.id)
                    .execution_options(synchronize_session=False)
                )
                if (await session.execute(statement)).first() is None:
                    log.debug("interview %s moved on in another process", interview_id)
                    return None
                if event is not None and not await self._remember_in(session, event):
                    raise _Seen
                await self._enqueue_in(session, outbox, subject_id=interview_id)
                query = with_refs().where(Interview.id == interview_id).execution_options(populate_existing=True)
                interview, channel, candidate, interviewer = (await session.execute(query)).one()
                return interview_record(interview, channel, candidate, interviewer)
        except _Seen:
            log.debug("event %s was applied before; interview %s left as it is", event, interview_id)
            return None

    async def due_interviews(self, now: datetime, *, limit: int = 500) -> list[InterviewRecord]:
        """Active interviews whose deadline has passed or whose unsent nudge is due."""
        query = with_refs().where(Interview.due_at <= now).order_by(Interview.due_at, Interview.id).limit(limit)
        async with self._read() as session:
            rows = await session.execute(query)
            return [interview_record(*row) for row in rows]

    async def next_interview_due(self) -> datetime | None:
        """The earliest deadline or unsent nudge of any active interview (the clock sleeps until then)."""
        async with self._read() as session:
            return await session.scalar(select(func.min(Interview.due_at)))

    async def _one_interview(self, query: Select[Interview, Channel, Member, Member]) -> InterviewRecord | None:
        async with self._read() as session:
            row = (await session.execute(query.limit(1))).first()
            if row is None:
                return None
            interview, channel, candidate, interviewer = row
            return interview_record(interview, channel, candidate, interviewer)

    async def answers_for_phase(self, interview_id: int, phase_index: int) -> list[AnswerRecord]:
        """Every answer of one interview phase, withdrawn ones included, oldest first."""
        return await self._answers(
            with_member().where(Answer.interview_id == interview_id, Answer.phase_index == phase_index)
        )

    async def drop_outbox_row(self, outbox_id: int, *, reason: str) -> None:
        """A claimed row settled unsent: ``sent`` with no message and the reason as its note."""
        statement = (
            update(Outbox)
            .where(Outbox.id == outbox_id, Outbox.state == "sending")
            .values(state="sent", error=f"not sent: {reason}"[:500])
            .execution_options(synchronize_session=False)
        )
        async with self._write() as session:
            await session.execute(statement)

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


if TYPE_CHECKING:
    def _conforms(queries: InterviewQueries) -> tuple[InterviewStore, InterviewScoreStore]:
        return queries, queries  # mypy checks that the queries implement the ports as declared
