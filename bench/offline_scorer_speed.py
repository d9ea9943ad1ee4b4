"""Latency of the offline scorer on 2,000-character answers.

Builds realistic answers by joining labelled answers of a section until they reach 2,000
characters, then times ``score_sync`` over many runs (after a warm-up that also fills the
per-section signal cache) and prints p50/p95/p99 of wall-clock time, and of this thread's CPU
time, which other processes on a busy machine do not inflate. Target: p95 < 5 ms (wall clock).

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
    wall_ms: list[float] = []
    cpu_ms: list[float] = []
    for section_number, text in answers:
        section = fw.section(section_number)
        wall_start, cpu_start = time.perf_counter(), time.thread_time()
        scorer.score_sync(section=section, scenario=None, question="", answer=text)
        cpu_ms.append((time.thread_time() - cpu_start) * 1000)
        wall_ms.append((time.perf_counter() - wall_start) * 1000)
    print(f"offline scorer, {len(wall_ms)} runs on {args.chars}-char answers")
    for name, timings in (("wall clock", wall_ms), ("thread CPU", cpu_ms)):
        timings.sort()
        print(f"{name:<10}  p50 {percentile(timings, 0.50):.3f} ms  p95 {percentile(timings, 0.95):.3f} ms  "
              f"p99 {percentile(timings, 0.99):.3f} ms  max {timings[-1]:.3f} ms  "
              f"mean {statistics.fmean(timings):.3f} ms")
    p95 = percentile(wall_ms, 0.95)
    print(f"target p95 < {TARGET_P95_MS} ms (wall clock): {'met' if p95 < TARGET_P95_MS else 'NOT met'}")


if __name__ == "__main__":
    main()
