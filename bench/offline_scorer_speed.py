"""Latency of the offline scorer on 2,000-character answers.

Builds realistic answers by joining labelled answers of a section until they reach 2,000
characters, then times ``score_sync`` over many runs (after a warm-up that also fills the
per-section signal cache) and prints p50/p95/p99. Target: p95 < 5 ms.

    python -m bench.offline_scorer_speed [--runs 2000] [--chars 2000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

import framework
from bot.scoring.evaluate import LabelledAnswer, load_labelled
from bot.scoring.offline import OfflineScorer

LABELLED = Path(__file__).resolve().parents[1] / "tests" / "scoring" / "labelled_answers.yaml"
TARGET_P95_MS = 5.0


def build_answers(labelled: tuple[LabelledAnswer, ...], chars: int, count: int, seed: int = 7) -> list[tuple[int, str]]:
    """``count`` (section, answer) pairs of exactly ``chars`` characters, cut at a word boundary."""
    rng = random.Random(seed)
    by_section: dict[int, list[str]] = {}
    for example in labelled:
        by_section.setdefault(example.section, []).append(example.answer.strip())
    answers = []
    for _ in range(count):
        section = rng.choice(sorted(by_section))
        parts: list[str] = []
        while sum(len(p) + 1 for p in parts) < chars:
            parts.append(rng.choice(by_section[section]))
        text = " ".join(parts)[:chars]
        answers.append((section, text))
    return answers


def percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--chars", type=int, default=2000)
    args = parser.parse_args()
    fw = framework.load()
    scorer = OfflineScorer()
    answers = build_answers(load_labelled(LABELLED), args.chars, args.runs)
    for section_number, text in answers[:50]:  # warm-up: compile every section's signals once
        scorer.score_sync(section=fw.section(section_number), scenario=None, question="", answer=text)
    timings_ms = []
    for section_number, text in answers:
        section = fw.section(section_number)
        started = time.perf_counter()
        scorer.score_sync(section=section, scenario=None, question="", answer=text)
        timings_ms.append((time.perf_counter() - started) * 1000)
    timings_ms.sort()
    p95 = percentile(timings_ms, 0.95)
    print(f"offline scorer, {len(timings_ms)} runs on {args.chars}-char answers")
    print(f"p50 {percentile(timings_ms, 0.50):.3f} ms  p95 {p95:.3f} ms  p99 {percentile(timings_ms, 0.99):.3f} ms  "
          f"max {timings_ms[-1]:.3f} ms  mean {statistics.fmean(timings_ms):.3f} ms")
    print(f"target p95 < {TARGET_P95_MS} ms: {'met' if p95 < TARGET_P95_MS else 'NOT met'}")


if __name__ == "__main__":
    main()
