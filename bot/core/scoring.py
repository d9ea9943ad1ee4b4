"""Scoring rules shared by every scorer (the score comes from verdicts and weights), and scoring
a person's answers, which interviews and daily prompts both do."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from framework import Level, Scenario, Section

from bot.core.ports import Scorer
from bot.core.records import VERDICT_VALUE, AnswerRecord, ItemVerdict, ScoreCard, ScoreDraft
from bot.core.refs import UserRef

ScoreListener = Callable[[UserRef], None]
"""Told, after a score card is saved in this process, whose answer it scored (Slack's App Home refreshes)."""


class ScoreEvents(Protocol):
    def on_score_saved(self, listener: ScoreListener) -> None:
        """Call ``listener`` with the member after each score card this store saves (its transaction
        committed); a listener that raises is logged and does not fail the save."""
        ...


def score_from_verdicts(section: Section, verdicts: Iterable[ItemVerdict], *, level: Level | None = None) -> float:
    """0-10, weighted by item weight; items without a verdict count as missing.

    With a ``level``, items expected only above it are a bonus: they are not held against
    the candidate (not in the total), and what they earn is added, up to 10."""
    by_id = {v.item_id: v for v in verdicts}
    expected = [item for item in section.items if level is None or item.expected_at(level)]
    total_weight = sum(item.weight for item in expected)
    if total_weight <= 0:
        return 0.0
    earned = sum(
        item.weight * VERDICT_VALUE[by_id[item.id].verdict] for item in section.items if item.id in by_id
    )
    return round(min(10.0, 10.0 * earned / total_weight), 1)


@dataclass(frozen=True, slots=True)
class Coverage:
    """How many of a section's points an answer covered, partly covered and missed (the expected
    ones at a level), and the bonus points above the level it covered at least partly."""

    covered: int
    partly: int
    missing: int
    bonus: int = 0

    def describe(self) -> str:
        text = f"{self.covered} covered, {self.partly} partly, {self.missing} missing"
        return text + (f", {self.bonus} bonus" if self.bonus else "")


def coverage(section: Section, verdicts: Iterable[ItemVerdict], *, level: Level | None = None) -> Coverage:
    by_id = {v.item_id: v.verdict for v in verdicts}
    counts = {"covered": 0, "partial": 0, "missing": 0}
    bonus = 0
    for item in section.items:
        verdict = by_id.get(item.id, "missing")
        if level is not None and not item.expected_at(level):
            bonus += verdict != "missing"
            continue
        counts[verdict] += 1
    return Coverage(counts["covered"], counts["partial"], counts["missing"], bonus)


def missed_items(section: Section, card: ScoreCard, *, level: Level | None = None) -> list[str]:
    """The ``covers`` text of every item not fully covered (of those expected at ``level``), heaviest first."""
    verdicts = {v.item_id: v.verdict for v in card.verdicts}
    items = sorted((i for i in section.items if level is None or i.expected_at(level)), key=lambda item: -item.weight)
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
