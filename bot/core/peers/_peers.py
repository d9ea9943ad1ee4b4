"""Peer mocks: the interviewer's marks from the private rubric's buttons, their note, and the
scorecard's peer part. The interview itself (phases, time, steering) is the interviews capability's."""

from __future__ import annotations

import logging

from framework import Framework

from bot.core.errors import UserError
from bot.core.members import Members
from bot.core.messages import Action, CommandContext, OutMessage, Reply
from bot.core.normalise import clean
from bot.core.outbox import Flusher, OutboxWriter, outbox_key
from bot.core.peers import _texts as texts
from bot.core.peers.rules import MAX_NOTE_CHARS, agreement, agreement_share, is_interviewer, item_at, parse_mark
from bot.core.peers.store import MarkStore, NoteStore, PeerCardStore, PeerInterviews
from bot.core.ports import Clock
from bot.core.progress.rules import local_date
from bot.core.records import InterviewRecord, OutboxDraft, ScoreCard, Verdict

log = logging.getLogger(__name__)

RUBRIC = "peer_rubric"
"""The outbox purpose of a phase's private rubric (delivered by ``PeerDelivery``)."""


def rubric_row(interview: InterviewRecord) -> OutboxDraft:
    """The row that hands the interviewer the current phase's rubric, written with the phase itself."""
    if interview.thread is None:
        raise ValueError(f"interview {interview.id} has no thread")
    return OutboxDraft(interview.thread, "Rubric (private to the interviewer)", RUBRIC,
                       outbox_key("peer", interview.id, "rubric", interview.phase_index),
                       payload=str(interview.phase_index), subject_id=interview.id)


class PeerRubrics:
    """Implements the interviews capability's ``PeerRubric``: a phase opens, its rubric row goes with it."""

    def rubric_row(self, interview: InterviewRecord) -> OutboxDraft:
        return rubric_row(interview)


class PeerMocks:
    def __init__(self, *, interviews: PeerInterviews, marks: MarkStore, notes: NoteStore, outbox: OutboxWriter,
                 flusher: Flusher, framework: Framework, clock: Clock) -> None:
        self._interviews = interviews
        self._marks = marks
        self._notes = notes
        self._outbox = outbox
        self._flusher = flusher
        self._framework = framework
        self._clock = clock

    async def handle_action(self, action: Action) -> Reply:
        """A mark button in the interviewer's rubric: covered / partly / missing for one item."""
        mark, number, interview_id, phase_index = parse_mark(action.action, action.value)
        interview = await self._interviews.get_interview(interview_id)
        if interview is None or interview.interviewer is None or phase_index >= len(interview.phases):
            raise UserError("I can't find that interview any more.")
        if not is_interviewer(interview, action.user):
            return Reply.one(texts.not_interviewer(interview.interviewer.mention))
        section = self._framework.section(interview.phases[phase_index].section)
        item_id = item_at(section, number)
        if not await self._marks.save_mark(interview.id, phase_index=phase_index, item_id=item_id, mark=mark,
                                           at=self._clock.now()):
            return Reply.one(texts.marks_final())
        marks = await self._marks.marks_for_interview(interview.id)
        in_phase = sum(1 for item in section.items if item.id in marks)
        return Reply.one(texts.marked(section, number, mark, in_phase))

    async def note(self, ctx: CommandContext, text: str) -> Reply:
        """The interviewer's free-text note on their latest peer mock: on the scorecard, or under it."""
        note = clean(text)[:MAX_NOTE_CHARS]
        if not note:
            raise UserError("Usage: `/practice note <what you noticed>`, after interviewing someone.")
        interview = await self._notes.latest_given_interview(ctx.user)
        if interview is None:
            raise UserError("You have not interviewed anyone yet: a note goes on the scorecard of a peer mock "
                            "you interview (`/practice interview ... with @you`, typed by the candidate).")
        await self._notes.save_interviewer_note(interview.id, note)
        posted = interview.status != "active" and interview.thread is not None
        if posted and interview.thread is not None and interview.interviewer is not None:
            await self._outbox.enqueue([OutboxDraft(
                interview.thread, texts.note_posted(interview.interviewer.mention, note).text, "notice",
                outbox_key("peer", interview.id, "note", int(self._clock.now().timestamp() * 1000)))])
            await self._flusher.flush(bulk=False)
        return Reply.one(texts.note_saved(posted=posted))


class PeerScorecards:
    """Implements the interviews capability's ``PeerScorecard``: the marks beside the verdicts."""

    def __init__(self, *, store: PeerCardStore, members: Members, framework: Framework, clock: Clock) -> None:
        self._store = store
        self._members = members
        self._framework = framework
        self._clock = clock

    async def peer_part(self, interview: InterviewRecord, cards: dict[int, ScoreCard]) -> OutMessage | None:
        """The marks beside the verdicts; and giving the interview counts as the interviewer's practice
        (their day, in their timezone, on the day the scorecard goes out)."""
        if interview.interviewer is None:
            return None
        member = await self._members.find(interview.interviewer)
        zone = await self._members.member_timezone(member.timezone if member else None, interview.channel)
        await self._store.count_interview_given(interview.id, local_date=local_date(self._clock.now(), zone))
        marks = await self._store.marks_for_interview(interview.id)
        note = await self._store.interviewer_note(interview.id)
        sections = [(index, self._framework.section(phase.section)) for index, phase in enumerate(interview.phases)
                    if index not in interview.skipped and (index in cards or any(
                        item.id in marks for item in self._framework.section(phase.section).items))]
        agreements = {}
        pairs: list[tuple[Verdict | None, Verdict | None]] = []
        for index, section in sections:
            verdicts = {v.item_id: v.verdict for v in cards[index].verdicts} if index in cards else {}
            for item in section.items:
                mark = marks[item.id].mark if item.id in marks else None
                verdict = verdicts.get(item.id)
                agreements[item.id] = agreement(mark, verdict)
                pairs.append((mark, verdict))
        return texts.peer_part(interview, sections, cards, marks, agreements, agreement_share(pairs), note)
