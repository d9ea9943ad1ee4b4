"""Answers as practice: recorded once per platform event, on the author's own day."""

from __future__ import annotations

import logging

from bot.core.members import Members
from bot.core.messages import InMessage
from bot.core.metrics import NO_METRICS, Metrics
from bot.core.normalise import clean_answer
from bot.core.progress.rules import local_date
from bot.core.progress.store import PracticeStore
from bot.core.records import AnswerDraft, AnswerRecord
from bot.core.refs import ChannelRef

log = logging.getLogger(__name__)


class Practice:
    """Every answer, to a daily prompt or in an interview, is practice: its day counts toward the
    author's streak. Edits update the answer; a deleted answer is withdrawn (and its day, if it
    was the day's only answer)."""

    def __init__(self, *, store: PracticeStore, members: Members, metrics: Metrics = NO_METRICS) -> None:
        self._store = store
        self._members = members
        self._metrics = metrics

    async def record(self, message: InMessage, text: str, channel: ChannelRef, *,
                     prompt_id: int | None = None, interview_id: int | None = None,
                     phase_index: int | None = None, drill_id: int | None = None) -> AnswerRecord | None:
        """Record once per event key, on the author's practice day; ``None`` on redelivery."""
        member = await self._members.join(message.author, timezone=message.author_timezone)
        timezone = await self._members.member_timezone(member.timezone, channel)
        recorded = await self._store.record_answer(
            AnswerDraft(
                member=message.author,
                text=text,
                event_key=message.event_key,
                created_at=message.sent_at,
                local_date=local_date(message.sent_at, timezone),
                message=message.ref,
                prompt_id=prompt_id,
                interview_id=interview_id,
                phase_index=phase_index,
                drill_id=drill_id,
            )
        )
        if recorded is not None:
            kind = "interview" if interview_id is not None else "drill" if drill_id is not None else "prompt"
            self._metrics.count("answer", kind=kind)
        return recorded

    async def edit(self, event_key: str, text: str) -> None:
        cleaned = clean_answer(text)
        if cleaned:
            await self._store.update_answer_text(event_key, cleaned)
        else:
            await self._store.withdraw_answer(event_key)

    async def delete(self, event_key: str) -> None:
        await self._store.withdraw_answer(event_key)
