"""Daily prompts: when a channel's next prompt is due, and which prompt it gets."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from framework import ChecklistItem, Framework, Scenario, Section

from bot.core.records import DailyPromptRecord, DrillRecord, Schedule

SCENARIO_COOLDOWN_DAYS = 14
PROMPT_SECTIONS = tuple(range(1, 10))
"""Section 0 is a framing statement, not something to answer on its own."""
PRACTICE_WINDOW_DAYS = 30
"""The channel's recent practice that weights the next prompt's section."""
PRACTICE_WEIGHT = 2.0
"""Added in full to a section the channel has not practised in the window, none to its most practised."""
SCORE_WEIGHT = 2.0
"""Added in full to a section whose mean score is 0, none to one at 10."""
UNSCORED_MEAN = 5.0
"""A section with no scored answer counts as middling on score (its practice weight is already full)."""


@dataclass(frozen=True, slots=True)
class SectionPractice:
    """A channel's scored answers in one section over the window, and their mean score (0-10)."""

    answers: int
    mean: float


def section_weights(
    sections: Sequence[int], practice: Mapping[int, SectionPractice]
) -> list[float]:
    """One weight per section, ``1 + 2 x (1 - answers / most answers) + 2 x (1 - mean / 10)``: the least
    practised and lowest-scoring sections are favoured (up to 5 to 1), and with no practice at all every
    section weighs the same."""
    most = max((practice[n].answers for n in sections if n in practice), default=0)
    weights = []
    for number in sections:
        seen = practice.get(number)
        answers = seen.answers if seen else 0
        mean = seen.mean if seen and seen.answers else UNSCORED_MEAN
        rarity = 1 - answers / most if most else 0.0
        weakness = 1 - min(max(mean, 0.0), 10.0) / 10 if most else 0.0
        weights.append(1 + PRACTICE_WEIGHT * rarity + SCORE_WEIGHT * weakness)
    return weights


@dataclass(frozen=True, slots=True)
class PromptChoice:
    section: Section
    scenario: Scenario
    item: ChecklistItem
    question: str


def next_prompt_at(schedule: Schedule, after: datetime) -> datetime | None:
    """The first scheduled moment strictly after ``after`` (aware UTC), or None if never."""
    if not schedule.enabled or not schedule.weekdays:
        return None
    zone = ZoneInfo(schedule.timezone)
    local_after = after.astimezone(zone)
    # Skipped days and a pause push the next slot further out: look past them, then a week more.
    held = (schedule.paused_until - local_after.date()).days if schedule.paused_until else 0
    for offset in range(0, 8 + len(schedule.skipped) + max(held, 0)):
        day = local_after.date() + timedelta(days=offset)
        if not schedule.posts_on(day):
            continue
        candidate = datetime.combine(day, schedule.local_time, tzinfo=zone)
        # A time inside a DST gap does not exist locally; zoneinfo shifts it consistently.
        utc = candidate.astimezone(ZoneInfo("UTC"))
        if utc > after:
            return utc
    return None


def latest_slot(schedule: Schedule, now: datetime) -> datetime | None:
    """The most recent scheduled moment at or before ``now`` within the last week (aware UTC)."""
    if not schedule.enabled or not schedule.weekdays:
        return None
    zone = ZoneInfo(schedule.timezone)
    local_now = now.astimezone(zone)
    for offset in range(0, 8):
        day = local_now.date() - timedelta(days=offset)
        if not schedule.posts_on(day):
            continue
        slot = datetime.combine(day, schedule.local_time, tzinfo=zone).astimezone(ZoneInfo("UTC"))
        if slot <= now:
            return slot
    return None


def prompt_local_date(schedule: Schedule, due_at: datetime) -> date:
    return due_at.astimezone(ZoneInfo(schedule.timezone)).date()


def window_closes_at(timezone: str, local_day: date, window_hours: float | None, posted_at: datetime) -> datetime:
    """End of the channel's local day by default, or a fixed window after posting."""
    if window_hours is not None:
        return posted_at + timedelta(hours=window_hours)
    zone = ZoneInfo(timezone)
    end = datetime.combine(local_day + timedelta(days=1), time(0, 0), tzinfo=zone)
    return end.astimezone(ZoneInfo("UTC"))


def choose_prompt(
    framework: Framework,
    recent: Sequence[DailyPromptRecord],
    today: date,
    rng: random.Random,
    practice: Mapping[int, SectionPractice] | None = None,
) -> PromptChoice:
    """A random scenario and section, never the same section twice in a row in a channel
    and no scenario repeated within ``SCENARIO_COOLDOWN_DAYS``; the section is drawn with
    ``section_weights`` from the channel's ``practice`` over the last ``PRACTICE_WINDOW_DAYS``.

    ``recent`` is the channel's prompts, newest first.
    """
    last_section = recent[0].section if recent else None
    numbers = [n for n in PROMPT_SECTIONS if n != last_section]
    cutoff = today - timedelta(days=SCENARIO_COOLDOWN_DAYS)
    used = {p.scenario_id for p in recent if p.local_date > cutoff}
    scenarios = [s for s in framework.scenarios if s.id not in used] or list(framework.scenarios)
    weights = section_weights(numbers, practice or {})
    if len(set(weights)) == 1:  # no practice to lean on: a plain draw (the same draws as before weights)
        section = framework.section(rng.choice(numbers))
    else:
        section = framework.section(rng.choices(numbers, weights=weights)[0])
    scenario = rng.choice(scenarios)
    item = rng.choice(section.items)
    return PromptChoice(section, scenario, item, focused_question(scenario, section, item))


DRILL_WINDOW_DAYS = 90
"""The member's scored answers that say which section is their weakest."""


@dataclass(frozen=True, slots=True)
class DrillChoice:
    section: Section
    scenario: Scenario
    item: ChecklistItem
    question: str
    mean: float | None
    """The member's mean score in the section over the window (``None``: never scored there)."""
    answers: int


def choose_drill(
    framework: Framework,
    practice: Mapping[int, SectionPractice],
    missed: Mapping[int, Mapping[str, int]],
    recent: Sequence[DrillRecord],
    rng: random.Random,
) -> DrillChoice:
    """The member's weakest section: the lowest mean score over the window, a section never scored
    counting as ``UNSCORED_MEAN`` (so a section scored 2/10 comes before one never tried, and one
    never tried before one scored 9/10); fewer answers first on a tie, then at random. The question
    asks about the checklist item missed most there (``missed``: item id -> times, a partial a half),
    not the one of the member's last drill when there is another; the scenario is one not used in
    their ``recent`` drills when one is left."""

    def rank(number: int) -> tuple[float, int]:
        seen = practice.get(number)
        if seen is None or not seen.answers:
            return (UNSCORED_MEAN, 0)
        return (seen.mean, seen.answers)

    lowest = min(rank(n) for n in PROMPT_SECTIONS)
    number = rng.choice([n for n in PROMPT_SECTIONS if rank(n) == lowest])
    section = framework.section(number)
    last_item = recent[0].item_id if recent and recent[0].section == number else None
    items = [item for item in section.items if item.id != last_item] or list(section.items)
    misses = missed.get(number, {})
    most = max((misses.get(item.id, 0) for item in items), default=0)
    item = next(item for item in items if misses.get(item.id, 0) == most) if most else rng.choice(items)
    used = {drill.scenario_id for drill in recent}
    scenario = rng.choice([s for s in framework.scenarios if s.id not in used] or list(framework.scenarios))
    seen = practice.get(number)
    return DrillChoice(section, scenario, item, focused_question(scenario, section, item),
                       seen.mean if seen and seen.answers else None, seen.answers if seen else 0)


def focused_question(scenario: Scenario, section: Section, item: ChecklistItem) -> str:
    question = item.probe.replace("{scenario}", scenario.title)
    twist = scenario.twists.get(section.number)
    if twist:
        return f"{question} Twist: {twist}"
    return question
