"""The mock interview state machine: one phase per framework section, in order.

Pure functions over ``InterviewRecord``: they compute what a transition changes; the
use cases apply it through a claimed ``InterviewStore.transition_interview`` so only one
process moves an interview on. Also the steering words a candidate types in the thread.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from framework import ChecklistItem, Framework, Section

from bot.core.errors import UserError
from bot.core.normalise import clean
from bot.core.records import InterviewChanges, InterviewRecord, Phase

DEFAULT_MINUTES = 45
MIN_MINUTES = 10
MAX_MINUTES = 90
NUDGE_LEAD_SECONDS = 60
NUDGE_SHARE = 0.25
"""For short phases the nudge comes at most this share of the budget before the end."""
MIN_OPTIONAL_SECONDS = 60
"""An optional section is only planned if it gets at least this much time."""
STEER_WORDS = ("next", "skip", "hint", "time", "end")
SteerWord = Literal["next", "skip", "hint", "time", "end"]


def plan_phases(framework: Framework, total_minutes: int = DEFAULT_MINUTES) -> tuple[Phase, ...]:
    """Budgets for each section, scaled to ``total_minutes``.

    Required sections keep the seed's budgets when they fit (and shrink in proportion
    when they do not); optional sections share what is left equally.
    """
    if not MIN_MINUTES <= total_minutes <= MAX_MINUTES:
        raise UserError(
            f"An interview can last {MIN_MINUTES} to {MAX_MINUTES} minutes; {total_minutes} is out of range."
        )
    total = total_minutes * 60
    required = [s for s in framework.sections if not s.optional]
    optional = [s for s in framework.sections if s.optional]
    required_seconds = sum((s.budget_minutes or 0) * 60 for s in required)
    scale = min(1.0, total / required_seconds) if required_seconds else 1.0
    budgets: dict[int, int] = {s.number: max(10, round((s.budget_minutes or 0) * 60 * scale)) for s in required}
    left = total - sum(budgets.values())
    if optional and left >= MIN_OPTIONAL_SECONDS * len(optional):
        share = left // len(optional)
        for s in optional:
            budgets[s.number] = share
    return tuple(Phase(section=n, budget_seconds=budgets[n]) for n in sorted(budgets))


def nudge_lead_seconds(budget_seconds: int) -> int:
    """About a minute before the end; proportionally earlier for short phases."""
    return min(NUDGE_LEAD_SECONDS, int(budget_seconds * NUDGE_SHARE))


def enter_phase(phases: tuple[Phase, ...], index: int, now: datetime) -> InterviewChanges:
    """The changes that start phase ``index`` at ``now`` (or finish the interview)."""
    if index >= len(phases):
        return InterviewChanges(status="finished", phase_index=len(phases), clear_deadlines=True)
    budget = phases[index].budget_seconds
    deadline = now + timedelta(seconds=budget)
    lead = nudge_lead_seconds(budget)
    return InterviewChanges(
        status="active",
        phase_index=index,
        phase_started_at=now,
        phase_deadline_at=deadline,
        nudge_at=deadline - timedelta(seconds=lead) if lead >= 5 else deadline,
        nudged=lead < 5,
    )


def seconds_left(interview: InterviewRecord, now: datetime) -> int:
    if interview.phase_deadline_at is None:
        return 0
    return max(0, int((interview.phase_deadline_at - now).total_seconds()))


def total_seconds_left(interview: InterviewRecord, now: datetime) -> int:
    later = sum(p.budget_seconds for p in interview.phases[interview.phase_index + 1 :])
    return seconds_left(interview, now) + later


def next_hint(section: Section, hints_used: tuple[str, ...]) -> ChecklistItem | None:
    """The next unused probe, heaviest items first."""
    for item in sorted(section.items, key=lambda i: -i.weight):
        if item.id not in hints_used:
            return item
    return None


def is_overdue(interview: InterviewRecord, now: datetime) -> bool:
    return (
        interview.status == "active"
        and interview.phase_deadline_at is not None
        and interview.phase_deadline_at <= now
    )


def nudge_due(interview: InterviewRecord, now: datetime) -> bool:
    return (
        interview.status == "active"
        and not interview.nudged
        and interview.nudge_at is not None
        and interview.nudge_at <= now
        and not is_overdue(interview, now)
    )


def format_duration(seconds: int) -> str:
    minutes, secs = divmod(max(0, seconds), 60)
    if minutes and secs:
        return f"{minutes} min {secs} s"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


def parse_steer(text: str) -> SteerWord | None:
    """A steering word typed alone in an interview thread (``next``, ``Next!``, ``hint?``)."""
    word = clean(text).lower().strip(" .!?")
    if word in STEER_WORDS:
        steer: SteerWord = word  # type: ignore[assignment]
        return steer
    return None
