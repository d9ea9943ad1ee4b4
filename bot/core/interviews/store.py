"""The interviews capability's ports."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from bot.core.events import SeenEvent
from bot.core.messages import OutMessage
from bot.core.records import (
    AnswerRecord,
    InterviewChanges,
    InterviewDraft,
    InterviewRecord,
    OutboxDraft,
    ScoreCard,
)
from bot.core.refs import ThreadRef, UserRef
from bot.core.scoring import ScoreWriter


class InterviewReader(Protocol):
    async def get_interview(self, interview_id: int) -> InterviewRecord | None: ...

    async def answers_for_phase(self, interview_id: int, phase_index: int) -> list[AnswerRecord]: ...


class InterviewStore(InterviewReader, Protocol):
    """What running interviews needs: create, find, and move on by claimed transitions."""

    async def create_interview(
        self, draft: InterviewDraft, *, changes: InterviewChanges,
        outbox: Callable[[InterviewRecord], Sequence[OutboxDraft]] | None = None,
    ) -> InterviewRecord | None:
        """``None`` when the candidate already has an active interview (decided by the database).
        ``outbox`` makes the new interview's first rows (its first phase), written in the same
        transaction."""
        ...

    async def active_interview(self, candidate: UserRef) -> InterviewRecord | None: ...

    async def interview_by_thread(self, thread: ThreadRef) -> InterviewRecord | None: ...

    async def transition_interview(
        self,
        interview_id: int,
        *,
        expected_version: int,
        changes: InterviewChanges,
        outbox: Sequence[OutboxDraft] = (),
        event: SeenEvent | None = None,
    ) -> InterviewRecord | None:
        """Apply ``changes`` if the row still has ``expected_version`` (then version + 1) and
        insert the outbox rows in the same transaction. ``None`` when someone else won, or when
        ``event`` (remembered in the same transaction) was applied before."""
        ...

    async def due_interviews(self, now: datetime, *, limit: int = 500) -> list[InterviewRecord]:
        """Active interviews whose deadline has passed or whose nudge is due and not yet sent."""
        ...

    async def next_interview_due(self) -> datetime | None:
        """The earliest moment ``due_interviews`` will return something (``None``: nothing is running)."""
        ...


class InterviewScoreStore(InterviewReader, ScoreWriter, Protocol):
    """What delivering an interview's phases, scores, follow-ups and scorecard needs."""

    async def drop_outbox_row(self, outbox_id: int, *, reason: str) -> None:
        """Settle a claimed row without sending it (a follow-up whose phase is over): it is not retried."""
        ...

    async def scores_for_interview(self, interview_id: int) -> dict[int, ScoreCard]:
        """phase index -> the latest score card."""
        ...


class PeerRubric(Protocol):
    """What a peer mock adds when a phase opens (``bot.core.peers`` implements it): the outbox row that
    hands the interviewer the phase's rubric privately, written in the same transaction as the phase."""

    def rubric_row(self, interview: InterviewRecord) -> OutboxDraft: ...


class PeerScorecard(Protocol):
    """The scorecard's peer part (``bot.core.peers``): the interviewer's marks beside the scorer's
    verdicts, and their note."""

    async def peer_part(self, interview: InterviewRecord, cards: dict[int, ScoreCard]) -> OutMessage | None: ...
