"""How an interview's outbox rows are delivered: phases (with the previous phase's score folded in),
follow-up probes and the scorecard."""

from __future__ import annotations

import logging
from dataclasses import replace

from framework import Framework

from bot.core.interviews import _texts as texts
from bot.core.interviews.rules import phase_payload
from bot.core.interviews.store import InterviewScoreStore, PeerScorecard
from bot.core.messages import OutMessage
from bot.core.outbox import OutboxKind, send
from bot.core.ports import Chat, Clock, Prober, Scorer
from bot.core.records import InterviewRecord, OutboxRecord, ScoreCard, ScoreDraft
from bot.core.refs import MessageRef
from bot.core.scoring import score_answers, score_from_verdicts

log = logging.getLogger(__name__)


class InterviewDelivery:
    """Phases are rendered when sent (from the interview as it is then); scores and the scorecard
    run as background jobs, since scoring may call an LLM."""

    def __init__(self, *, store: InterviewScoreStore, scorer: Scorer, framework: Framework, clock: Clock,
                 prober: Prober | None = None, peer: PeerScorecard | None = None) -> None:
        """``peer`` adds a peer mock's part to its scorecard (the interviewer's marks and note)."""
        self._store = store
        self._peer = peer
        self._scorer = scorer
        self._framework = framework
        self._clock = clock
        self._prober = prober

    def kinds(self) -> tuple[OutboxKind, ...]:
        return (
            OutboxKind("phase", self._phase),
            OutboxKind("scored_phase", self._scored_phase, background=True),
            OutboxKind("score", self._score, background=True),  # rows written before scores were folded in
            OutboxKind("probe", self._probe, background=True),
            OutboxKind("scorecard", self._scorecard, background=True),
        )

    async def _scored_phase(self, chat: Chat, row: OutboxRecord) -> MessageRef:
        """The previous phase's score, then the next phase's question, in one message."""
        interview = await self._store.get_interview(row.subject_id or 0)
        if interview is None:
            return await send(chat, row.target, OutMessage(text=row.text))
        index, time_up = phase_payload(row.payload, interview.phase_index)
        shown = replace(interview, phase_index=index)
        section = self._framework.section(shown.phases[index].section)
        scenario = self._framework.scenario(shown.scenario_id)
        opening = texts.phase_opening(shown, section, scenario, total_phases=len(shown.phases))
        card = await self._score_phase(interview.id, index - 1) if index > 0 else None
        if card is not None:
            previous = self._framework.section(interview.phases[index - 1].section)
            opening = texts.scored_phase(texts.phase_score(previous, card, level=interview.level), opening)
        return await send(chat, row.target, self._after_time_up(interview, index, opening) if time_up else opening)

    async def _probe(self, chat: Chat, row: OutboxRecord) -> MessageRef | None:
        """A claimed follow-up: phrased by the LLM from the answer when one is configured, else the
        item's own probe. Dropped if the interview has left that phase meanwhile (never after `next`)."""
        phase_part, _, item_id = row.payload.partition(":")
        phase_index = int(phase_part)
        interview = await self._store.get_interview(row.subject_id or 0)
        if interview is None or not _still_in(interview, phase_index):
            await self._store.drop_outbox_row(row.id, reason="the phase ended before the follow-up was asked")
            return None
        section = self._framework.section(interview.phases[phase_index].section)
        scenario = self._framework.scenario(interview.scenario_id)
        item = next((i for i in section.items if i.id == item_id), None)
        if item is None:
            await self._store.drop_outbox_row(row.id, reason=f"no checklist item {item_id!r} any more")
            return None
        question = texts.item_probe(item, scenario, interview.level)
        if self._prober is not None:
            answers = [a.text for a in await self._store.answers_for_phase(interview.id, phase_index)
                       if not a.withdrawn]
            phrased = await self._prober.follow_up(
                section=section, scenario=scenario, question=texts.opening_question(section, scenario),
                answer="\n\n".join(answers), item=item, level=interview.level,
            )
            if phrased is not None and phrased.item_id == item.id:
                question = phrased.question
            elif phrased is not None:
                log.info("follow-up for %s targeted %s instead; using the item's own probe", item.id, phrased.item_id)
            fresh = await self._store.get_interview(interview.id)  # phrasing took time: still there?
            if fresh is None or not _still_in(fresh, phase_index):
                await self._store.drop_outbox_row(row.id, reason="the phase ended while the follow-up was phrased")
                return None
        return await send(chat, row.target, texts.probe(question))

    async def _phase(self, chat: Chat, row: OutboxRecord) -> MessageRef:
        interview = await self._store.get_interview(row.subject_id or 0)
        if interview is None:
            return await send(chat, row.target, OutMessage(text=row.text))
        index, time_up = phase_payload(row.payload, interview.phase_index)
        shown = replace(interview, phase_index=index)
        section = self._framework.section(shown.phases[shown.phase_index].section)
        scenario = self._framework.scenario(shown.scenario_id)
        message = texts.phase_opening(shown, section, scenario, total_phases=len(shown.phases))
        return await send(chat, row.target, self._after_time_up(interview, index, message) if time_up else message)

    def _after_time_up(self, interview: InterviewRecord, index: int, message: OutMessage) -> OutMessage:
        """The previous phase's "Time is up" first, in the same message as what follows it."""
        previous = self._framework.section(interview.phases[index - 1].section)
        return texts.after_time_up(texts.time_up(previous), message)

    async def _score_phase(self, interview_id: int, index: int) -> ScoreCard | None:
        interview = await self._store.get_interview(interview_id)
        if interview is None:
            return None
        answers = [a for a in await self._store.answers_for_phase(interview_id, index) if not a.withdrawn]
        if not answers:
            return None
        section = self._framework.section(interview.phases[index].section)
        scenario = self._framework.scenario(interview.scenario_id)
        question = " ".join(q.replace("{scenario}", scenario.title) for q in section.openings)
        card = await score_answers(self._scorer, section=section, scenario=scenario, question=question,
                                   answers=answers)
        # At a lower level, items expected only higher up are a bonus, not a gap.
        card = replace(card, score=score_from_verdicts(section, card.verdicts, level=interview.level))
        await self._store.save_score(
            ScoreDraft(card, interview_id=interview_id, phase_index=index, created_at=self._clock.now())
        )
        return card

    async def _score(self, chat: Chat, row: OutboxRecord) -> MessageRef:
        index = int(row.payload)
        card = await self._score_phase(row.subject_id or 0, index)
        interview = await self._store.get_interview(row.subject_id or 0)
        if card is None or interview is None:
            return await send(chat, row.target, OutMessage(text="No answer was recorded for that phase."))
        section = self._framework.section(interview.phases[index].section)
        return await send(chat, row.target, texts.phase_score(section, card, level=interview.level))

    async def _scorecard(self, chat: Chat, row: OutboxRecord) -> MessageRef:
        interview_id = row.subject_id or 0
        interview = await self._store.get_interview(interview_id)
        if interview is None:
            return await send(chat, row.target, OutMessage(text=row.text))
        cards = await self._store.scores_for_interview(interview_id)
        for index in range(len(interview.phases)):
            if index not in cards and index not in interview.skipped:
                card = await self._score_phase(interview_id, index)
                if card is not None:
                    cards[index] = card
        scenario = self._framework.scenario(interview.scenario_id)
        posted = await send(chat, row.target, texts.scorecard(interview, self._framework, scenario, cards))
        if self._peer is not None and interview.is_peer:
            part = await self._peer.peer_part(interview, cards)
            if part is not None:
                posted = await send(chat, row.target, replace(part, key=f"{row.dedupe_key}#peer"))
        return posted


def _still_in(interview: InterviewRecord, phase_index: int) -> bool:
    return interview.status == "active" and interview.phase_index == phase_index
