"""Stats as pure rules: scored answers (``ScoreFact``) into the series a chart and its text show.

Every function takes plain facts and returns plain records (``bot.core.charts``); nothing here
reads the store or draws. A scored answer is one score card: a daily prompt answer revealed, or
an interview phase (the latest card per phase), dated by when it was answered.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import fmean
from typing import Literal

from framework import Framework

from bot.core.charts import Grid, Improvement, PersonalChart, TeamChart, Weakness
from bot.core.records import ItemVerdict
from bot.core.refs import ChannelRef, UserRef

CALENDAR_WEEKS = 26
SCORE_WEEKS = 26
WEAKEST = 3
MISSED_ITEMS = 3
IMPROVED = 3
TeamWindow = Literal["week", "month", "quarter"]
TEAM_WINDOWS: dict[TeamWindow, tuple[int, int]] = {"week": (7, 1), "month": (5, 7), "quarter": (13, 7)}
"""window -> (columns, days per column): a week by day, a month (5 weeks) or a quarter (13) by week."""
ScoreSource = Literal["prompt", "interview", "drill"]


@dataclass(frozen=True, slots=True)
class ScoreFact:
    """One scored answer: who, which section, the score and its verdicts, and the day it was answered."""

    member: UserRef
    section: int
    score: float
    answered_at: datetime
    day: date
    """The day it was answered, in the member's practice timezone (the answer's practice day)."""
    verdicts: tuple[ItemVerdict, ...]
    source: ScoreSource
    subject_id: int = 0
    """The interview or answer id (orders facts of the same moment)."""


@dataclass(frozen=True, slots=True)
class ScoreScope:
    """Whose scored answers to read: one member, a channel's, or a whole workspace's."""

    platform: str
    workspace: str
    member: UserRef | None = None
    channel: ChannelRef | None = None


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def section_label(framework: Framework, number: int) -> str:
    return f"{number} {framework.section(number).title}"


def buckets(first: date, columns: int, days: int) -> list[date]:
    """The first day of each column."""
    return [first + timedelta(days=days * n) for n in range(columns)]


def score_grid(
    facts: Iterable[ScoreFact], framework: Framework, *, first: date, columns: int, days: int, title: str,
    label: str = "%d %b",
) -> Grid:
    """Mean score and count per section (all of them, so gaps show) per column."""
    starts = buckets(first, columns, days)
    end = first + timedelta(days=columns * days)
    cells: dict[tuple[int, int], list[float]] = defaultdict(list)
    for fact in facts:
        if first <= fact.day < end:
            cells[(fact.section, (fact.day - first).days // days)].append(fact.score)
    numbers = [section.number for section in framework.sections]
    means = tuple(
        tuple(round(fmean(cells[(n, c)]), 1) if cells.get((n, c)) else None for c in range(columns)) for n in numbers
    )
    counts = tuple(tuple(len(cells.get((n, c), ())) for c in range(columns)) for n in numbers)
    return Grid(title=title, rows=tuple(section_label(framework, n) for n in numbers),
                columns=tuple(start.strftime(label) for start in starts), means=means, counts=counts)


def section_means(facts: Iterable[ScoreFact]) -> dict[int, tuple[int, float]]:
    """section -> (scored answers, mean score)."""
    scores: dict[int, list[float]] = defaultdict(list)
    for fact in facts:
        scores[fact.section].append(fact.score)
    return {section: (len(values), fmean(values)) for section, values in scores.items()}


def weakest_sections(facts: Sequence[ScoreFact], framework: Framework, *, count: int = WEAKEST) -> tuple[Weakness, ...]:
    """The sections with the lowest mean score (fewer answers first on a tie), with the checklist
    points missed most in them (``missing`` counts 1, ``partial`` a half, to rank)."""
    means = section_means(facts)
    ranked = sorted(means, key=lambda n: (means[n][1], means[n][0], n))[:count]
    result = []
    for number in ranked:
        section = framework.section(number)
        texts = {item.id: item.covers for item in section.items}
        misses: Counter[str] = Counter()
        for fact in facts:
            if fact.section != number:
                continue
            for verdict in fact.verdicts:
                if verdict.item_id in texts and verdict.verdict != "covered":
                    misses[verdict.item_id] += 2 if verdict.verdict == "missing" else 1
        missed = tuple((texts[item], (weight + 1) // 2) for item, weight in misses.most_common(MISSED_ITEMS))
        answers, mean = means[number]
        result.append(Weakness(number, section.title, round(mean, 1), answers, missed))
    return tuple(result)


def most_improved(facts: Iterable[ScoreFact], *, first: date, last: date, names: Mapping[UserRef, str],
                  count: int = IMPROVED) -> tuple[Improvement, ...]:
    """Members whose mean score rose most from the first half of ``[first, last]`` to the second
    (scored answers in both halves needed)."""
    middle = first + (last - first) / 2
    halves: dict[UserRef, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    for fact in facts:
        if first <= fact.day <= last:
            halves[_person(fact.member)][0 if fact.day < middle else 1].append(fact.score)
    gains = [
        Improvement(names.get(member, member.mention), round(fmean(before), 1), round(fmean(after), 1))
        for member, (before, after) in halves.items() if before and after
    ]
    gains = [g for g in gains if g.gain > 0]
    return tuple(sorted(gains, key=lambda g: (-g.gain, g.name))[:count])


def _person(user: UserRef) -> UserRef:
    """The member without their display name (facts name the same person the same way)."""
    return UserRef(user.platform, user.user_id, user.workspace)


def personal_chart(facts: Sequence[ScoreFact], practice_days: Iterable[date], framework: Framework, *,
                   today: date, name: str) -> PersonalChart:
    first = week_start(today) - timedelta(weeks=CALENDAR_WEEKS - 1)
    score_first = week_start(today) - timedelta(weeks=SCORE_WEEKS - 1)
    recent = [f for f in facts if f.day >= score_first]
    return PersonalChart(
        title=f"{name}'s practice",
        first_day=first,
        last_day=today,
        practice_days=frozenset(d for d in practice_days if first <= d <= today),
        scores=score_grid(recent, framework, first=score_first, columns=SCORE_WEEKS, days=7,
                          title="Mean score per section, by week"),
        weakest=weakest_sections(recent, framework),
    )


def team_window_start(window: TeamWindow, today: date) -> date:
    columns, days = TEAM_WINDOWS[window]
    if days == 1:
        return today - timedelta(days=columns - 1)
    return week_start(today) - timedelta(weeks=columns - 1)


def team_chart(facts: Sequence[ScoreFact], framework: Framework, *, window: TeamWindow, today: date, where: str,
               names: Mapping[UserRef, str]) -> TeamChart:
    columns, days = TEAM_WINDOWS[window]
    first = team_window_start(window, today)
    return TeamChart(
        title=f"Practice in {where}, last {window}",
        coverage=score_grid(facts, framework, first=first, columns=columns, days=days,
                            title="Scored answers per section (colour: mean score)",
                            label="%a %d" if days == 1 else "%d %b"),
        improved=most_improved(facts, first=first, last=today, names=names),
    )


def blind_spots(grid: Grid) -> list[str]:
    """Rows (sections) with no scored answer in the whole grid."""
    return [row for row, counts in zip(grid.rows, grid.counts, strict=True) if not any(counts)]
