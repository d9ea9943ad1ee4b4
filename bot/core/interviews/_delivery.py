"""How an interview's outbox rows are delivered: phases, per-phase scores and the scorecard."""

from __future__ import annotations

from dataclasses import replace

from framework import Framework

from bot.core.interviews import _texts as texts
from bot.core.interviews.store import InterviewScoreStore
from bot.core.messages import OutMessage
from bot.core.outbox import OutboxKind, send
from bot.core.ports import Chat, Clock, Scorer
from bot.core.records import OutboxRecord, ScoreCard, ScoreDraft
from bot.core.refs import MessageRef
from bot.core.scoring import score_answers


class InterviewDelivery:
    """Phases are rendered when sent (from the interview as it is then); scores and the scorecard
    run as background jobs, since scoring may call an LLM."""

    def __init__(self, *, store: InterviewScoreStore, scorer: Scorer, framework: Framework, clock: Clock) -> None:
        self._store = store
        self._scorer = scorer
        self._framework = framework
        self._clock = clock

    def kinds(self) -> tuple[OutboxKind, ...]:
        return (
            OutboxKind("phase", self._phase),
            OutboxKind("score", self._score, background=True),
            OutboxKind("scorecard", self._scorecard, background=True),
        )

    async def _phase(self, chat: Chat, row: OutboxRecord) -> MessageRef:
        interview = await self._store.get_interview(row.subject_id or 0)
        if interview is None:
            return await send(chat, row.target, OutMessage(text=row.text))
        shown = replace(interview, phase_index=int(row.payload or interview.phase_index))
        section = self._framework.section(shown.phases[shown.phase_index].section)
        scenario = self._framework.scenario(shown.scenario_id)
        message = texts.phase_opening(shown, section, scenario, total_phases=len(shown.phases))
        return await send(chat, row.target, message)

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
        return await send(chat, row.target, texts.phase_score(section, card))

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
        return await send(chat, row.target, texts.scorecard(interview, self._framework, scenario, cards))
