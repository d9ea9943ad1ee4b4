"""Salad-proof offline scoring: terms without reasoning score below a plain good answer in every section.

The salads are held out from tuning (``salad_answers.yaml``) or built from the content: every item's
signals as one list, the same terms repeated, the checklist's own wording pasted in."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.scoring.evaluate import load_labelled
from bot.scoring.offline import OfflineScorer
from framework import Section
from framework.model import CONTENT_DIR, load_from

HERE = Path(__file__).parent
FRAMEWORK = load_from(CONTENT_DIR)  # a copy of its own: other tests alter the cached framework
SCORER = OfflineScorer()
GOOD = [a for a in load_labelled(HERE / "labelled_answers.yaml") if a.id.split("-", 1)[1].startswith("good")]
HELD_OUT = yaml.safe_load((HERE / "salad_answers.yaml").read_text(encoding="utf-8"))["salads"]


def _score(section: Section, answer: str, scenario_id: str = "url-shortener") -> float:
    scenario = FRAMEWORK.scenario(scenario_id)
    return SCORER.score_sync(section=section, scenario=scenario, question="", answer=answer).score


def _weakest_good(section: Section) -> float:
    scores = [_score(section, a.answer, a.scenario) for a in GOOD if a.section == section.number]
    assert scores, f"no plain good answer for section {section.number} in labelled_answers.yaml"
    return min(scores)


def _built(section: Section) -> dict[str, str]:
    return {
        "signal list": ", ".join(signal for item in section.items for signal in item.signals),
        "repeated terms": " ".join(item.signals[0] for item in section.items for _ in range(3)),
        "pasted checklist": " ".join(item.covers for item in section.items),
    }


@pytest.mark.parametrize("section", FRAMEWORK.sections, ids=lambda s: f"section-{s.number}")
def test_every_salad_scores_below_a_plain_good_answer(section: Section) -> None:
    good = _weakest_good(section)
    salads = {**_built(section), **{f"held-out {n}": s["answer"] for n, s in enumerate(HELD_OUT)
                                     if s["section"] == section.number}}
    assert len(salads) == 4
    for kind, answer in salads.items():
        assert _score(section, answer) < good, (kind, _score(section, answer), good)


def test_a_short_list_of_one_items_own_names_still_counts_for_it() -> None:
    section = FRAMEWORK.section(5)
    card = SCORER.score_sync(section=section, scenario=None, question="", answer="Service mesh, mTLS, sidecar, Envoy.")
    assert {v.item_id: v.verdict for v in card.verdicts}["s5-service-mesh"] != "missing"
