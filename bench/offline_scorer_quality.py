"""Agreement of the offline scorer with the hand-labelled answers.

Prints item-level accuracy, precision/recall/F1 per verdict, the confusion matrix, the mean
absolute score error, and (with ``--disagreements``) every item the scorer got wrong. The
figures are also given apart for the answers the scorer was tuned on and for the held-out
answers (``holdout: true``), written after tuning: the held-out figure is the honest one.

    python -m bench.offline_scorer_quality [--disagreements]
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import framework
from bot.scoring.evaluate import evaluate, load_labelled
from bot.scoring.offline import OfflineScorer

LABELLED = Path(__file__).resolve().parents[1] / "tests" / "scoring" / "labelled_answers.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labelled", type=Path, default=LABELLED)
    parser.add_argument("--disagreements", action="store_true", help="list every item the scorer got wrong")
    args = parser.parse_args()
    labelled = load_labelled(args.labelled)
    fw = framework.load()
    agreement = asyncio.run(evaluate(OfflineScorer(), labelled, fw))
    print("== all labelled answers")
    print(agreement.render())
    for title, subset in (
        ("tuning set (the scorer and signals were tuned on these)", [a for a in labelled if not a.holdout]),
        ("held-out set (written after tuning)", [a for a in labelled if a.holdout]),
    ):
        if subset and len(subset) < len(labelled):
            part = asyncio.run(evaluate(OfflineScorer(), subset, fw))
            f1 = ", ".join(f"{v} {s.f1:.3f}" for v, s in part.per_verdict.items())
            print(f"\n== {title}: {part.answers} answers, {part.items} items")
            print(f"accuracy {part.accuracy:.3f}, macro F1 {part.macro_f1:.3f}, F1: {f1}, "
                  f"score MAE {part.score_mae:.2f}")
    if args.disagreements:
        print("\ndisagreements (answer, item: expected -> predicted)")
        for miss in agreement.disagreements:
            print(f"  {miss.answer_id:<24} {miss.item_id:<30} {miss.expected} -> {miss.predicted}")


if __name__ == "__main__":
    main()
