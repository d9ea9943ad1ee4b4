"""How closely a scorer agrees with hand-labelled answers.

The labelled set (``tests/scoring/labelled_answers.yaml``) holds answers written for the
framework's sections, each with the verdict a careful human grader gives every checklist
item. ``evaluate`` scores each answer and compares, item by item: accuracy, precision,
recall and F1 per verdict, the confusion matrix, and the mean absolute error of the 0-10
score against the score the expected verdicts imply. Any ``Scorer`` can be measured, the
LLM one included.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field

from bot.core.ports import Scorer
from bot.core.records import ItemVerdict, Verdict
from bot.core.scoring import score_from_verdicts
from framework import Framework

VERDICTS: tuple[Verdict, ...] = ("covered", "partial", "missing")
_Key = TypeVar("_Key", str, int)


class LabelledAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    section: int = Field(ge=0, le=9)
    scenario: str
    style: str = "prose"
    holdout: bool = False
    """Written after the scorer was tuned, and never tuned on: an honest estimate of agreement."""
    answer: str
    expected: dict[str, Verdict]


class _LabelledFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    answers: tuple[LabelledAnswer, ...]


def load_labelled(path: Path) -> tuple[LabelledAnswer, ...]:
    """The labelled answers in ``path``, validated (unknown fields and verdicts fail)."""
    return _LabelledFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8"))).answers


@dataclass(frozen=True, slots=True)
class VerdictStats:
    precision: float
    recall: float
    f1: float
    support: int
    """How many items were labelled with this verdict."""


@dataclass(frozen=True, slots=True)
class Disagreement:
    answer_id: str
    item_id: str
    expected: Verdict
    predicted: Verdict


@dataclass(frozen=True, slots=True)
class Agreement:
    answers: int
    items: int
    accuracy: float
    per_verdict: dict[Verdict, VerdictStats]
    confusion: dict[Verdict, dict[Verdict, int]]
    """expected -> predicted -> count."""
    score_mae: float
    """Mean absolute difference between the scorer's 0-10 score and the labels' score."""
    accuracy_by_style: dict[str, float]
    accuracy_by_section: dict[int, float]
    disagreements: tuple[Disagreement, ...]

    @property
    def macro_f1(self) -> float:
        return sum(stats.f1 for stats in self.per_verdict.values()) / len(self.per_verdict)

    def render(self) -> str:
        lines = [
            f"answers {self.answers}, items {self.items}",
            f"item accuracy {self.accuracy:.3f}, macro F1 {self.macro_f1:.3f}, score MAE {self.score_mae:.2f}",
            "",
            f"{'verdict':<9} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>8}",
        ]
        for verdict, stats in self.per_verdict.items():
            lines.append(
                f"{verdict:<9} {stats.precision:>9.3f} {stats.recall:>7.3f} {stats.f1:>6.3f} {stats.support:>8}"
            )
        lines += ["", "confusion (rows expected, columns predicted)", f"{'':<9}" + "".join(f"{v:>9}" for v in VERDICTS)]
        for expected in VERDICTS:
            lines.append(f"{expected:<9}" + "".join(f"{self.confusion[expected][p]:>9}" for p in VERDICTS))
        lines += ["", "accuracy by style: " + ", ".join(f"{k} {v:.2f}" for k, v in self.accuracy_by_style.items())]
        lines.append("accuracy by section: " + ", ".join(f"{k}: {v:.2f}" for k, v in self.accuracy_by_section.items()))
        return "\n".join(lines)


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _stats(confusion: dict[Verdict, dict[Verdict, int]], verdict: Verdict) -> VerdictStats:
    true_positive = confusion[verdict][verdict]
    predicted = sum(confusion[expected][verdict] for expected in VERDICTS)
    actual = sum(confusion[verdict].values())
    precision = _ratio(true_positive, predicted)
    recall = _ratio(true_positive, actual)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return VerdictStats(precision, recall, f1, actual)


def _accuracy_by(keys: Iterable[tuple[_Key, bool]]) -> dict[_Key, float]:
    hits: Counter[_Key] = Counter()
    totals: Counter[_Key] = Counter()
    for key, hit in keys:
        totals[key] += 1
        hits[key] += hit
    return {key: hits[key] / totals[key] for key in sorted(totals)}


async def evaluate(scorer: Scorer, labelled: Sequence[LabelledAnswer], framework: Framework) -> Agreement:
    """Score every labelled answer with ``scorer`` and compare with the labels."""
    confusion: dict[Verdict, dict[Verdict, int]] = {e: dict.fromkeys(VERDICTS, 0) for e in VERDICTS}
    disagreements: list[Disagreement] = []
    by_style: list[tuple[str, bool]] = []
    by_section: list[tuple[int, bool]] = []
    score_errors: list[float] = []
    for example in labelled:
        section = framework.section(example.section)
        scenario = framework.scenario(example.scenario)
        card = await scorer.score(section=section, scenario=scenario, question="", answer=example.answer)
        predicted = {v.item_id: v.verdict for v in card.verdicts}
        for item in section.items:
            expected = example.expected[item.id]
            got = predicted.get(item.id, "missing")
            confusion[expected][got] += 1
            by_style.append((example.style, expected == got))
            by_section.append((example.section, expected == got))
            if expected != got:
                disagreements.append(Disagreement(example.id, item.id, expected, got))
        label_score = score_from_verdicts(section, [ItemVerdict(k, v) for k, v in example.expected.items()])
        score_errors.append(abs(card.score - label_score))
    items = sum(sum(row.values()) for row in confusion.values())
    hits = sum(confusion[v][v] for v in VERDICTS)
    return Agreement(
        answers=len(labelled),
        items=items,
        accuracy=_ratio(hits, items),
        per_verdict={v: _stats(confusion, v) for v in VERDICTS},
        confusion=confusion,
        score_mae=sum(score_errors) / len(score_errors) if score_errors else 0.0,
        accuracy_by_style=_accuracy_by(by_style),
        accuracy_by_section=_accuracy_by(by_section),
        disagreements=tuple(disagreements),
    )
