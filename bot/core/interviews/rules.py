"""The mock interview state machine: one phase per framework section, in order.

Pure functions over ``InterviewRecord``: they compute what a transition changes; the
use cases apply it through a claimed ``InterviewStore.transition_interview`` so only one
process moves an interview on. Also the steering words a candidate types in the thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from framework import ChecklistItem, Framework, Level, Section

from bot.core.errors import UserError
from bot.core.normalise import clean
from bot.core.records import InterviewChanges, InterviewRecord, ItemVerdict, Phase

DEFAULT_MINUTES = 45
MIN_MINUTES = 10
MAX_MINUTES = 90
NUDGE_LEAD_SECONDS = 60
NUDGE_SHARE = 0.25
"""For short phases the nudge comes at most this share of the budget before the end."""
MIN_OPTIONAL_SECONDS = 60
"""An optional section is only planned if it gets at least this much time."""
MIN_PHASE_SECONDS = 60
"""No required phase is shorter than this (a 10-minute interview still gives each section a minute
and a nudge before its end)."""
EXTRA_SECONDS = 120
"""What a peer mock's interviewer adds to a phase with ``+2m`` (once per phase)."""
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
    seeds = {s.number: max(MIN_PHASE_SECONDS, (s.budget_minutes or 0) * 60) for s in required}
    required_seconds = sum(seeds.values())
    budgets: dict[int, int] = dict(seeds)
    if required_seconds > total:
        # Every phase keeps its minute; what is above the minute shrinks in proportion.
        above = required_seconds - MIN_PHASE_SECONDS * len(seeds)
        room = max(0, total - MIN_PHASE_SECONDS * len(seeds))
        scale = room / above if above else 0.0
        budgets = {n: MIN_PHASE_SECONDS + int((seed - MIN_PHASE_SECONDS) * scale) for n, seed in seeds.items()}
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
        clear_probe=True,
        probes_asked=0,
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
    """A steering word typed alone in an interview thread (``next``, ``Next!``, ``HINT?``, ``/skip``)."""
    word = clean(text).lower().strip(" .!?").removeprefix("/")
    if word in STEER_WORDS:
        steer: SteerWord = word  # type: ignore[assignment]
        return steer
    return None


# ---------------------------------------------------------------------------------------- follow-up probes
@dataclass(frozen=True, slots=True)
class ProbePolicy:
    """When the interviewer asks a follow-up about what the answers still miss."""

    pause_seconds: int = 20
    """The candidate has answered and written nothing for this long."""
    min_seconds_left: int = 45
    min_share_left: float = 0.25
    """At least this share of the phase's budget is left."""
    per_phase: int = 2


def _probe_window(interview: InterviewRecord, at: datetime, policy: ProbePolicy) -> bool:
    """A follow-up may be asked at ``at``: enough of the phase left, and before the nudge window."""
    phase = interview.current_phase
    if phase is None or interview.quiet or interview.phase_deadline_at is None:
        return False
    if interview.probes_asked >= policy.per_phase:
        return False
    left = (interview.phase_deadline_at - at).total_seconds()
    if left < policy.min_seconds_left or left < policy.min_share_left * phase.budget_seconds:
        return False
    nudge_from = interview.nudge_at or interview.phase_deadline_at
    return at < nudge_from


def probe_after_answer(interview: InterviewRecord, now: datetime, policy: ProbePolicy) -> InterviewChanges | None:
    """After an answer: a follow-up becomes due once the candidate pauses, if one could still be
    asked then; otherwise any waiting follow-up is called off (the candidate is still talking)."""
    due = now + timedelta(seconds=policy.pause_seconds)
    if _probe_window(interview, due, policy):
        return InterviewChanges(probe_at=due)
    if interview.probe_at is not None:
        return InterviewChanges(clear_probe=True)
    return None


def probe_due(interview: InterviewRecord, now: datetime) -> bool:
    return (
        interview.status == "active"
        and not interview.quiet
        and interview.probe_at is not None
        and interview.probe_at <= now
        and not is_overdue(interview, now)
    )


def may_probe_now(interview: InterviewRecord, now: datetime, policy: ProbePolicy) -> bool:
    return _probe_window(interview, now, policy)


def probe_target(
    section: Section, verdicts: tuple[ItemVerdict, ...], *, level: Level, probed: tuple[str, ...]
) -> ChecklistItem | None:
    """The most important item expected at ``level`` that the answers still miss and that was not
    asked about yet (heavier first; at equal weight, missed before partly covered); ``None`` when
    the answers cover them all."""
    by_id = {v.item_id: v.verdict for v in verdicts}
    open_items = [
        item for item in section.items
        if item.expected_at(level) and item.id not in probed and by_id.get(item.id, "missing") != "covered"
    ]
    if not open_items:
        return None
    return min(open_items, key=lambda item: (-item.weight, by_id.get(item.id, "missing") == "partial"))


def looks_like_a_command(text: str) -> bool:
    """Slash-text (``/practice help``, ``/foo``) typed in an interview thread is not an answer."""
    first = clean(text).split(" ", 1)[0]
    return len(first) > 1 and first.startswith("/") and "/" not in first[1:]


TIME_UP_MARK = ":timeup"
"""On a phase row's payload: the previous phase's time ran out, and its message says so first."""


def phase_payload(payload: str, default: int) -> tuple[int, bool]:
    """A phase row's index, and whether it opens with the previous phase's "Time is up"."""
    index, _, mark = payload.partition(":")
    return (int(index) if index else default), f":{mark}" == TIME_UP_MARK


def extend_phase(interview: InterviewRecord, now: datetime, seconds: int) -> InterviewChanges | None:
    """Add ``seconds`` to the current phase, once per phase (a peer mock's ``+2m``): the deadline and
    an unsent nudge move; a nudge already sent is due again before the new end. ``None`` when this
    phase was extended already or the interview is not running."""
    phase = interview.current_phase
    if phase is None or interview.phase_deadline_at is None or interview.phase_index in interview.extended:
        return None
    deadline = max(interview.phase_deadline_at, now) + timedelta(seconds=seconds)
    lead = nudge_lead_seconds(phase.budget_seconds + seconds)
    return InterviewChanges(
        phase_deadline_at=deadline,
        nudge_at=deadline - timedelta(seconds=lead) if lead >= 5 else deadline,
        nudged=lead < 5,
        extended=(*interview.extended, interview.phase_index),
    )


def parse_extend(text: str) -> bool:
    """``+2m`` (or ``+2``, ``+2 min``) typed alone: a peer mock's interviewer adds two minutes."""
    word = clean(text).lower().replace(" ", "").rstrip(".!")
    return word in {"+2m", "+2", "+2min", "+2mins", "+2minutes"}
