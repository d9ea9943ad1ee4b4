from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.errors import UserError
from bot.core.interviews.rules import enter_phase, next_hint, nudge_lead_seconds, plan_phases
from framework import load


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
    # proportions follow the seed: section 5 (10 min) gets twice section 1 (5 min)
    budgets = {p.section: p.budget_seconds for p in phases}
    assert abs(budgets[5] - 2 * budgets[1]) <= 2


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
