"""A member's whole history, read in one transaction (``/practice history``, ``/practice export`` and
``practice-bot export``). Implements ``HistoryStore`` (``bot.core.progress.store``)."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from sqlalchemy import or_, select

from bot.core.progress.history import InterviewHistory, MemberHistory, PhaseHistory, PromptHistory
from bot.core.records import AnswerRecord, ScoreCard
from bot.core.refs import Platform, UserRef
from bot.storage.base import StoreBase
from bot.storage.mapping import answer_record, score_card, user_ref
from bot.storage.models import Answer, DailyPrompt, Drill, Interview, Member, Score

if TYPE_CHECKING:
    from bot.core.progress.store import HistoryStore


class HistoryQueries(StoreBase):
    async def member_history(self, platform: Platform, user_id: str) -> MemberHistory | None:
        """Every interview, daily prompt answer and drill of the member (every workspace on the
        platform), withdrawn answers left out; ``None`` when nothing about them is stored."""
        async with self._read() as session:
            members = list(await session.scalars(
                select(Member).where(Member.platform == platform, Member.external_id == user_id).order_by(Member.id)))
            if not members:
                return None
            ids = [m.id for m in members]
            by_id = {m.id: m for m in members}
            answers: list[AnswerRecord] = []
            links: dict[int, Answer] = {}
            for answer in await session.scalars(
                select(Answer).where(Answer.member_id.in_(ids), Answer.withdrawn.is_(False))
                .order_by(Answer.created_at, Answer.id)
            ):
                answers.append(answer_record(answer, by_id[answer.member_id]))
                links[answer.id] = answer
            interviews = list(await session.scalars(
                select(Interview).where(Interview.candidate_id.in_(ids)).order_by(Interview.started_at, Interview.id)))
            interview_ids = [i.id for i in interviews]
            scores = list(await session.scalars(
                select(Score).where(or_(Score.answer_id.in_(list(links)), Score.interview_id.in_(interview_ids)))
                .order_by(Score.id)))
            prompt_ids = sorted({a.prompt_id for a in links.values() if a.prompt_id is not None})
            asked = await session.scalars(select(DailyPrompt).where(DailyPrompt.id.in_(prompt_ids)))
            prompts = {p.id: p for p in asked}
            drills = list(await session.scalars(
                select(Drill).where(Drill.member_id.in_(ids)).order_by(Drill.created_at, Drill.id)))
        return _history(user_ref(members[0]), answers, interviews, scores, prompts, drills)


def _history(member: UserRef, answers: list[AnswerRecord], interviews: list[Interview], scores: list[Score],
             prompts: dict[int, DailyPrompt], drills: list[Drill]) -> MemberHistory:
    phase_cards: dict[tuple[int, int], ScoreCard] = {}
    answer_cards: dict[int, list[ScoreCard]] = defaultdict(list)
    for score in scores:  # oldest first: a phase's later card replaces the earlier
        if score.answer_id is not None:
            answer_cards[score.answer_id].append(score_card(score))
        elif score.interview_id is not None and score.phase_index is not None:
            phase_cards[(score.interview_id, score.phase_index)] = score_card(score)
    by_phase: dict[tuple[int, int], list[AnswerRecord]] = defaultdict(list)
    by_prompt: dict[int, list[AnswerRecord]] = defaultdict(list)
    by_drill: dict[int, list[AnswerRecord]] = defaultdict(list)
    unlinked: list[AnswerRecord] = []
    known_interviews = {i.id for i in interviews}
    known_drills = {d.id for d in drills}
    for answer in answers:
        if answer.interview_id in known_interviews and answer.phase_index is not None:
            by_phase[(answer.interview_id or 0, answer.phase_index)].append(answer)
        elif answer.prompt_id in prompts:
            by_prompt[answer.prompt_id or 0].append(answer)
        elif answer.drill_id in known_drills:
            by_drill[answer.drill_id or 0].append(answer)
        else:
            unlinked.append(answer)
    interview_history = []
    for interview in interviews:
        reached = max([interview.phase_index] + [p for (i, p) in by_phase if i == interview.id])
        phases = tuple(
            PhaseHistory(index, section, tuple(by_phase.get((interview.id, index), ())),
                         phase_cards.get((interview.id, index)))
            for index, (section, _seconds) in enumerate(interview.phases) if index <= reached
        )
        interview_history.append(InterviewHistory(interview.id, interview.scenario_id, interview.started_at,
                                                  interview.status, interview.level, interview.total_minutes, phases))
    asked: list[PromptHistory] = []
    for prompt_id, prompt_answers in by_prompt.items():
        prompt = prompts[prompt_id]
        cards = tuple(card for a in prompt_answers for card in answer_cards.get(a.id, ()))
        asked.append(PromptHistory("prompt", prompt.id, prompt.section, prompt.scenario_id, prompt.question,
                                   prompt_answers[0].created_at, tuple(prompt_answers), cards))
    for drill in drills:
        drill_answers = by_drill.get(drill.id, [])
        cards = tuple(card for a in drill_answers for card in answer_cards.get(a.id, ()))
        asked.append(PromptHistory("drill", drill.id, drill.section, drill.scenario_id, drill.question,
                                   drill.created_at, tuple(drill_answers), cards))
    asked.sort(key=lambda p: (p.asked_at, p.kind, p.id))
    return MemberHistory(member, tuple(interview_history), tuple(asked), tuple(unlinked))


if TYPE_CHECKING:
    def _conforms(queries: HistoryQueries) -> HistoryStore:
        return queries  # mypy checks that the queries implement the port as declared
