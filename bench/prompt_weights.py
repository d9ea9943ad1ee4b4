"""How the daily prompt's section weights behave on a simulated month.

A channel of eight members gets one prompt a day for 30 days (after a 30-day warm-up month that
fills the practice window). The team is strong in some sections and weak in others, and it also
practises some sections outside the prompts (mock interviews), so the window starts uneven. Each
prompt is chosen by the real ``choose_prompt`` with the channel's practice over the last 30 days
(``section_weights``), then answered by about half the members with a score drawn around the
team's skill in that section. The same months are run with uniform choice (no practice given) for
comparison. Printed: prompts per section (mean over ``--months`` seeded months, weighted vs
uniform), the weights on the last day of one month, and that the rules held (no section twice in a
row, no scenario within 14 days).

    python -m bench.prompt_weights [--months 200] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from statistics import fmean

from bot.core.prompts.rules import (
    PRACTICE_WINDOW_DAYS,
    PROMPT_SECTIONS,
    SCENARIO_COOLDOWN_DAYS,
    SectionPractice,
    choose_prompt,
    section_weights,
)
from bot.core.records import DailyPromptRecord
from bot.core.refs import ChannelRef
from framework import Framework, load

CHANNEL = ChannelRef("console", "sim", "local")
MEMBERS = 8
ANSWER_RATE = 0.5
SKILL = {1: 8.0, 2: 7.5, 3: 7.0, 4: 6.5, 5: 5.5, 6: 4.0, 7: 3.0, 8: 2.5, 9: 5.0}
"""The team's mean score per section: strong in scope and architecture, weak in scaling and trade-offs."""
INTERVIEW_PRACTICE = {1: 6, 2: 6, 3: 4, 5: 2}
"""Scored interview phases per section per 30 days in the channel, outside the prompts."""
START = date(2026, 11, 1)


@dataclass
class Month:
    sections: Counter[int]
    weights: dict[int, float]
    repeats: int
    scenario_repeats: int
    scored: dict[int, list[float]]


def _record(day: date, section: int, scenario: str, number: int) -> DailyPromptRecord:
    at = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
    return DailyPromptRecord(number, CHANNEL, day, section, scenario, "x", "q?", at, None, None, False)


def simulate(framework: Framework, seed: int, *, weighted: bool) -> Month:
    rng = random.Random(seed)
    answers = random.Random(seed + 1_000_003)  # the team's behaviour, the same for both choosers
    history: list[DailyPromptRecord] = []
    facts: list[tuple[date, int, float]] = []
    sections: Counter[int] = Counter()
    repeats = scenario_repeats = 0
    weights: dict[int, float] = {}
    for offset in range(2 * PRACTICE_WINDOW_DAYS):
        day = START + timedelta(days=offset)
        for section, per_month in INTERVIEW_PRACTICE.items():
            if answers.random() < per_month / PRACTICE_WINDOW_DAYS:
                facts.append((day, section, min(10.0, max(0.0, answers.gauss(SKILL[section], 1.5)))))
        window = [f for f in facts if day - timedelta(days=PRACTICE_WINDOW_DAYS) <= f[0] < day]
        practice = _practice(window)
        recent = [p for p in reversed(history) if p.local_date >= day - timedelta(days=15)]
        choice = choose_prompt(framework, recent, day, rng, practice if weighted else None)
        number = choice.section.number
        if offset >= PRACTICE_WINDOW_DAYS:  # the measured month (the first one fills the window)
            sections[number] += 1
            repeats += bool(history and history[-1].section == number)
            used = {p.scenario_id for p in history if p.local_date > day - timedelta(days=SCENARIO_COOLDOWN_DAYS)}
            scenario_repeats += choice.scenario.id in used
            numbers = [n for n in PROMPT_SECTIONS if n != number]
            weights = dict(zip(numbers, section_weights(numbers, practice), strict=True))
        history.append(_record(day, number, choice.scenario.id, offset))
        for _ in range(MEMBERS):
            if answers.random() < ANSWER_RATE:
                facts.append((day, number, min(10.0, max(0.0, answers.gauss(SKILL[number], 1.5)))))
    scored: dict[int, list[float]] = {}
    for day, section, score in facts:
        if day >= START + timedelta(days=PRACTICE_WINDOW_DAYS):
            scored.setdefault(section, []).append(score)
    return Month(sections, weights, repeats, scenario_repeats, scored)


def _practice(window: list[tuple[date, int, float]]) -> dict[int, SectionPractice]:
    by_section: dict[int, list[float]] = {}
    for _, section, score in window:
        by_section.setdefault(section, []).append(score)
    return {n: SectionPractice(len(scores), fmean(scores)) for n, scores in by_section.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--months", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    framework = load()
    weighted = [simulate(framework, args.seed + n, weighted=True) for n in range(args.months)]
    uniform = [simulate(framework, args.seed + n, weighted=False) for n in range(args.months)]
    print(f"Simulated months: {args.months} (seeds {args.seed}..{args.seed + args.months - 1}), {MEMBERS} members, "
          f"~{ANSWER_RATE:.0%} answer each prompt; interviews outside prompts per 30 days: {INTERVIEW_PRACTICE}")
    print()
    print(f"{'section':<42}team skill  prompts/month weighted  uniform   answers in month (w/u)")
    for number in PROMPT_SECTIONS:
        title = f"{number} {framework.section(number).title}"[:40]
        w = fmean(m.sections[number] for m in weighted)
        u = fmean(m.sections[number] for m in uniform)
        wa = fmean(len(m.scored.get(number, [])) for m in weighted)
        ua = fmean(len(m.scored.get(number, [])) for m in uniform)
        print(f"{title:<42}{SKILL[number]:>9.1f}  {w:>22.2f}  {u:>7.2f}   {wa:>8.1f} / {ua:.1f}")
    weak = [n for n in PROMPT_SECTIONS if SKILL[n] <= 4.0]
    strong = [n for n in PROMPT_SECTIONS if SKILL[n] >= 7.0]
    print()
    print(f"prompts/month in the weakest sections {weak}: weighted "
          f"{fmean(sum(m.sections[n] for n in weak) for m in weighted):.2f}, uniform "
          f"{fmean(sum(m.sections[n] for n in weak) for m in uniform):.2f}")
    print(f"prompts/month in the strongest sections {strong}: weighted "
          f"{fmean(sum(m.sections[n] for n in strong) for m in weighted):.2f}, uniform "
          f"{fmean(sum(m.sections[n] for n in strong) for m in uniform):.2f}")
    spread_w = fmean(max(m.sections.values()) - min(m.sections[n] for n in PROMPT_SECTIONS) for m in weighted)
    spread_u = fmean(max(m.sections.values()) - min(m.sections[n] for n in PROMPT_SECTIONS) for m in uniform)
    print(f"mean spread (most - least prompted section) per month: weighted {spread_w:.2f}, uniform {spread_u:.2f}")
    print(f"rules: same section twice in a row {sum(m.repeats for m in weighted + uniform)} times, "
          f"a scenario within {SCENARIO_COOLDOWN_DAYS} days {sum(m.scenario_repeats for m in weighted + uniform)} "
          f"times (over {2 * args.months} months)")
    last = weighted[0]
    print()
    print("weights on the last day of the first weighted month (candidates: all but the day's section):")
    print("  " + "  ".join(f"{n}: {w:.2f}" for n, w in sorted(last.weights.items())))


if __name__ == "__main__":
    main()
