"""Daily prompts: when a channel's next prompt is due, and which prompt it gets."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from framework import ChecklistItem, Framework, Scenario, Section

from bot.core.records import DailyPromptRecord, Schedule

SCENARIO_COOLDOWN_DAYS = 14
PROMPT_SECTIONS = tuple(range(1, 10))
"""Section 0 is a framing statement, not something to answer on its own."""


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
) -> PromptChoice:
    """A random scenario and section, never the same section twice in a row in a channel
    and no scenario repeated within ``SCENARIO_COOLDOWN_DAYS``.

    ``recent`` is the channel's prompts, newest first.
    """
    last_section = recent[0].section if recent else None
    sections = [framework.section(n) for n in PROMPT_SECTIONS if n != last_section]
    cutoff = today - timedelta(days=SCENARIO_COOLDOWN_DAYS)
    used = {p.scenario_id for p in recent if p.local_date > cutoff}
    scenarios = [s for s in framework.scenarios if s.id not in used] or list(framework.scenarios)
    section = rng.choice(sections)
    scenario = rng.choice(scenarios)
    item = rng.choice(section.items)
    return PromptChoice(section, scenario, item, focused_question(scenario, section, item))


def focused_question(scenario: Scenario, section: Section, item: ChecklistItem) -> str:
    question = item.probe.replace("{scenario}", scenario.title)
    twist = scenario.twists.get(section.number)
    if twist:
        return f"{question} Twist: {twist}"
    return question
