"""Pairing rules: who meets whom, the odd one out by turn, when a round is due."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time
from itertools import combinations, pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.pairing.rules import PastRound, choose_odd, make_round, next_round_at, repeats, round_date


def _weeks(members: list[int], weeks: int, policy: str, seed: int) -> list[PastRound]:
    rng = random.Random(seed)
    history: list[PastRound] = []
    for _ in range(weeks):
        plan = make_round(members, history, policy, rng)  # type: ignore[arg-type]
        history.insert(0, PastRound(plan.groups, plan.odd))
    return history


@pytest.mark.parametrize("seed", range(20))
def test_seven_members_over_three_weeks_never_meet_twice(seed: int) -> None:
    history = _weeks(list(range(1, 8)), 3, "trio", seed)
    met = [frozenset(e) for past in history for g in past.groups for e in combinations(g, 2)]
    assert len(met) == len(set(met)) == 15
    for past in history:
        assert sorted(len(g) for g in past.groups) == [2, 2, 3]
        assert sorted(m for g in past.groups for m in g) == list(range(1, 8))
    odd = [past.odd for past in history]
    assert all(a != b for a, b in pairwise(odd))


def test_sit_out_by_turn() -> None:
    history = _weeks([1, 2, 3, 4, 5], 5, "sit-out", 3)
    assert sorted(past.odd for past in history) == [1, 2, 3, 4, 5]  # each once before anyone twice
    for past in history:
        assert past.odd not in {m for g in past.groups for m in g}
        assert sorted(len(g) for g in past.groups) == [2, 2]


def test_choose_odd_prefers_the_fewest_turns_and_never_repeats() -> None:
    rng = random.Random(1)
    history = [PastRound(((1, 2),), odd=3)]
    assert choose_odd([1, 2, 3], history, rng, {1: 2, 2: 0, 3: 0}) == 2
    assert choose_odd([3], history, rng) == 3  # nobody else: the same one


def test_small_and_even_groups() -> None:
    rng = random.Random(2)
    assert make_round([], [], "trio", rng).groups == ()
    assert make_round([5], [], "trio", rng).groups == ()
    assert sorted(len(g) for g in make_round([1, 2], [], "trio", rng).groups) == [2]
    assert sorted(len(g) for g in make_round([1, 2, 3], [], "trio", rng).groups) == [3]


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=2, max_value=12), st.integers(min_value=0, max_value=1000))
def test_every_member_is_placed_once(count: int, seed: int) -> None:
    members = list(range(count))
    plan = make_round(members, _weeks(members, 2, "trio", seed), "trio", random.Random(seed))
    placed = [m for g in plan.groups for m in g]
    assert sorted(placed) == members
    assert all(len(g) in (2, 3) for g in plan.groups)
    assert sum(1 for g in plan.groups if len(g) == 3) == count % 2


def test_four_members_avoid_last_weeks_pairs() -> None:
    history = [PastRound(((1, 2), (3, 4)))]
    plan = make_round([1, 2, 3, 4], history, "trio", random.Random(4))
    assert repeats(plan, history, 1) == []


@pytest.mark.parametrize(("zone", "after", "expected"), [
    ("UTC", datetime(2026, 3, 2, 9, 0, tzinfo=UTC), datetime(2026, 3, 9, 9, 0, tzinfo=UTC)),  # strictly after
    ("Europe/Berlin", datetime(2026, 3, 25, 12, 0, tzinfo=UTC), datetime(2026, 3, 30, 7, 0, tzinfo=UTC)),  # CEST
    ("America/New_York", datetime(2026, 11, 1, 0, 0, tzinfo=UTC), datetime(2026, 11, 2, 14, 0, tzinfo=UTC)),
])
def test_next_round_at_in_local_time_over_dst(zone: str, after: datetime, expected: datetime) -> None:
    assert next_round_at(0, time(9, 0), zone, after) == expected
    assert round_date(expected, zone) == expected.date()
