from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.errors import UserError
from bot.core.interviews.rules import (
    ProbePolicy,
    enter_phase,
    looks_like_a_command,
    next_hint,
    nudge_lead_seconds,
    parse_steer,
    plan_phases,
    probe_after_answer,
    probe_due,
    probe_target,
)
from bot.core.records import InterviewRecord, ItemVerdict, Phase
from bot.core.refs import ChannelRef, UserRef
from framework import load

NOW = datetime(2026, 1, 5, 12, tzinfo=UTC)


def _interview(*, budget: int = 300, elapsed: int = 0, **fields: object) -> InterviewRecord:
    started = NOW - timedelta(seconds=elapsed)
    deadline = started + timedelta(seconds=budget)
    values: dict[str, object] = {
        "id": 1, "channel": ChannelRef("console", "C", "W"), "candidate": UserRef("console", "a", "W"),
        "scenario_id": "url-shortener", "total_minutes": 45, "phases": (Phase(1, budget),), "status": "active",
        "phase_index": 0, "phase_started_at": started, "phase_deadline_at": deadline,
        "nudge_at": deadline - timedelta(seconds=nudge_lead_seconds(budget)), "nudged": False, "hints_used": (),
        "skipped": (), "thread": None, "version": 3, "started_at": started,
    }
    values.update(fields)
    return InterviewRecord(**values)  # type: ignore[arg-type]


def test_an_answer_makes_a_probe_due_after_the_pause() -> None:
    changes = probe_after_answer(_interview(), NOW, ProbePolicy())
    assert changes is not None and changes.probe_at == NOW + timedelta(seconds=20)
    custom = probe_after_answer(_interview(), NOW, ProbePolicy(pause_seconds=5))
    assert custom is not None and custom.probe_at == NOW + timedelta(seconds=5)


@pytest.mark.parametrize(
    ("why", "interview"),
    [
        ("quiet", _interview(quiet=True)),
        ("two asked already", _interview(probes_asked=2)),
        ("too little left (< 45 s)", _interview(budget=300, elapsed=240)),
        ("too little of the budget left (< 25 %)", _interview(budget=600, elapsed=440)),
        ("inside the nudge window", _interview(budget=120, elapsed=70)),
        ("phase over", _interview(status="finished", phase_index=1)),
    ],
)
def test_no_probe_when_it_could_not_be_asked(why: str, interview: InterviewRecord) -> None:
    assert probe_after_answer(interview, NOW, ProbePolicy()) is None, why


def test_a_new_answer_too_late_for_a_probe_calls_off_the_waiting_one() -> None:
    waiting = _interview(budget=300, elapsed=240, probe_at=NOW)
    changes = probe_after_answer(waiting, NOW, ProbePolicy())
    assert changes is not None and changes.clear_probe and changes.probe_at is None


def test_probe_due_only_when_its_time_comes_and_never_past_the_deadline() -> None:
    assert not probe_due(_interview(probe_at=NOW + timedelta(seconds=1)), NOW)
    assert probe_due(_interview(probe_at=NOW), NOW)
    assert not probe_due(_interview(probe_at=NOW, quiet=True), NOW)
    assert not probe_due(_interview(probe_at=NOW, elapsed=400), NOW)  # overdue: the deadline moves it on


def test_the_probe_targets_the_heaviest_missed_item_at_the_level() -> None:
    section = load().section(6)
    none_covered: tuple[ItemVerdict, ...] = ()
    assert probe_target(section, none_covered, level="senior", probed=()).id == "s6-store-selection"  # type: ignore[union-attr]
    covered = (ItemVerdict("s6-store-selection", "covered"),)
    second = probe_target(section, covered, level="senior", probed=())
    assert second is not None and second.weight == 1.5
    # already asked about: the next one
    third = probe_target(section, covered, level="senior", probed=(second.id,))
    assert third is not None and third.id not in {second.id, "s6-store-selection"}
    # a staff-level item is never probed at mid or senior, only at staff
    everything_but = tuple(ItemVerdict(i.id, "covered") for i in section.items if i.id != "s6-specialized-stores")
    assert probe_target(section, everything_but, level="senior", probed=()) is None
    staff = probe_target(section, everything_but, level="staff", probed=())
    assert staff is not None and staff.id == "s6-specialized-stores"
    # partly covered counts as still missing, after the missed ones of equal weight
    partial = (*everything_but, ItemVerdict("s6-specialized-stores", "partial"))
    assert probe_target(section, partial, level="staff", probed=()) is not None


@pytest.mark.parametrize("text", ["NEXT", "Skip!", "/skip", " Hint? ", "TIME", "End."])
def test_steering_words_are_case_insensitive(text: str) -> None:
    assert parse_steer(text) is not None


@pytest.mark.parametrize(("text", "command"), [("/PRACTICE HELP", True), ("/foo", True), ("/practice", True),
                                               ("/var/log is where logs go", False), ("we use a / b", False),
                                               ("50/50 split", False)])
def test_slash_text_is_told_apart_from_answers(text: str, command: bool) -> None:
    assert looks_like_a_command(text) is command


def test_default_45_minutes_keeps_seed_budgets_and_shares_the_rest() -> None:
    phases = plan_phases(load(), 45)
    budgets = {p.section: p.budget_seconds for p in phases}
    assert [p.section for p in phases] == list(range(10))
    assert budgets == {0: 60, 1: 300, 2: 180, 3: 180, 4: 180, 5: 600, 6: 300, 7: 300, 8: 300, 9: 300}
    assert sum(budgets.values()) == 45 * 60


@pytest.mark.parametrize("minutes", [10, 15, 20, 34])
def test_short_interviews_scale_required_sections_and_drop_optional_ones(minutes: int) -> None:
    phases = plan_phases(load(), minutes)
    assert [p.section for p in phases] == list(range(8))
    assert abs(sum(p.budget_seconds for p in phases) - minutes * 60) <= 8
    # every phase keeps a minute (and so a nudge); the time above it follows the seed's proportions
    budgets = {p.section: p.budget_seconds for p in phases}
    assert min(budgets.values()) >= 60
    assert budgets[5] > budgets[1] > budgets[0] == 60
    assert all(nudge_lead_seconds(b) >= 15 for b in budgets.values())


def test_a_ten_minute_interview_has_no_phase_under_a_minute() -> None:
    """Today's plan gave 17 s and 51 s phases with no nudge at all (README: a nudge before time is up)."""
    phases = plan_phases(load(), 10)
    assert min(p.budget_seconds for p in phases) == 60
    for phase in phases:
        changes = enter_phase((phase,), 0, datetime(2026, 1, 5, 12, tzinfo=UTC))
        assert changes.nudged is False, "every phase gets its nudge"


def test_long_interviews_give_the_extra_time_to_optional_sections() -> None:
    budgets = {p.section: p.budget_seconds for p in plan_phases(load(), 90)}
    assert budgets[5] == 600
    assert budgets[8] == budgets[9] == (90 - 35) * 60 // 2


@pytest.mark.parametrize("minutes", [9, 91, 0, -5])
def test_out_of_range_lengths_are_refused(minutes: int) -> None:
    with pytest.raises(UserError, match="10 to 90"):
        plan_phases(load(), minutes)


def test_nudge_is_a_minute_before_or_proportionally_earlier() -> None:
    assert nudge_lead_seconds(600) == 60
    assert nudge_lead_seconds(120) == 30
    assert nudge_lead_seconds(20) == 5


def test_enter_phase_sets_deadline_and_nudge_and_finishes_after_the_last() -> None:
    phases = plan_phases(load(), 45)
    now = datetime(2026, 1, 5, 12, tzinfo=UTC)
    changes = enter_phase(phases, 1, now)
    assert changes.phase_index == 1
    assert changes.phase_deadline_at == now + timedelta(minutes=5)
    assert changes.nudge_at == now + timedelta(minutes=4)
    done = enter_phase(phases, len(phases), now)
    assert done.status == "finished"
    assert done.clear_deadlines


def test_hints_come_heaviest_first_and_run_out() -> None:
    section = load().section(1)
    used: tuple[str, ...] = ()
    weights = []
    while (item := next_hint(section, used)) is not None:
        weights.append(item.weight)
        used = (*used, item.id)
    assert len(used) == len(section.items)
    assert weights == sorted(weights, reverse=True)
