"""The peers capability's ports: an interviewer's marks and note on a peer mock."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from bot.core.records import InterviewRecord, PeerMark, Verdict
from bot.core.refs import UserRef


class PeerInterviews(Protocol):
    async def get_interview(self, interview_id: int) -> InterviewRecord | None: ...


class RubricStore(PeerInterviews, Protocol):
    async def drop_outbox_row(self, outbox_id: int, *, reason: str) -> None:
        """Settle a claimed row without sending it (its interview is gone): it is not retried."""
        ...


class MarkStore(Protocol):
    async def save_mark(
        self, interview_id: int, *, phase_index: int, item_id: str, mark: Verdict, at: datetime
    ) -> bool:
        """Set the interviewer's mark on one item (changing an earlier one), only while the interview is
        active: ``False`` once it is over (the scorecard is out, marks are final)."""
        ...

    async def marks_for_interview(self, interview_id: int) -> dict[str, PeerMark]:
        """item id -> the interviewer's mark."""
        ...


class NoteStore(Protocol):
    async def latest_given_interview(self, interviewer: UserRef) -> InterviewRecord | None:
        """The most recent peer mock this person interviews (or interviewed)."""
        ...

    async def save_interviewer_note(self, interview_id: int, note: str) -> None: ...


class PeerCardStore(Protocol):
    """What the scorecard's peer part reads (the marks and the note) and writes: the interviewer's
    practice day."""

    async def count_interview_given(self, interview_id: int, *, local_date: date) -> bool:
        """The interviewer's practice day for giving this interview (idempotent)."""
        ...

    async def marks_for_interview(self, interview_id: int) -> dict[str, PeerMark]: ...

    async def interviewer_note(self, interview_id: int) -> str | None: ...
