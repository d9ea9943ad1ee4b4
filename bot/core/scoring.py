"""Scoring rules shared by every scorer (the score comes from verdicts and weights), and scoring
a person's answers, which interviews and daily prompts both do."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from framework import Scenario, Section

from bot.core.ports import Scorer
from bot.core.records import VERDICT_VALUE, AnswerRecord, ItemVerdict, ScoreCard, ScoreDraft


def score_from_verdicts(section: Section, verdicts: Iterable[ItemVerdict]) -> float:
    """0-10, weighted by item weight; items without a verdict count as missing."""
    by_id = {v.item_id: v for v in verdicts}
    total_weight = sum(item.weight for item in section.items)
    if total_weight <= 0:
        return 0.0
    earned = sum(
        item.weight * VERDICT_VALUE[by_id[item.id].verdict] for item in section.items if item.id in by_id
    )
    return round(10.0 * earned / total_weight, 1)


def missed_items(section: Section, card: ScoreCard) -> list[str]:
    """The ``covers`` text of every item not fully covered, heaviest first."""
    verdicts = {v.item_id: v.verdict for v in card.verdicts}
    items = sorted(section.items, key=lambda item: -item.weight)
    return [item.covers for item in items if verdicts.get(item.id, "missing") != "covered"]


class ScoreWriter(Protocol):
    async def save_score(self, draft: ScoreDraft) -> None: ...


async def score_answers(
    scorer: Scorer, *, section: Section, scenario: Scenario, question: str, answers: Sequence[AnswerRecord]
) -> ScoreCard:
    """One card for a person's answers to one question, read as one answer in the order given."""
    return await scorer.score(
        section=section, scenario=scenario, question=question, answer="\n\n".join(a.text for a in answers)
    )
