"""Weekly pairing rules: when a channel's round is due, and who meets whom.

Pure functions on member ids. A round pairs the opted-in members so that people who met recently
do not meet again: every pair (every two members of a trio too) that met within ``LOOKBACK`` rounds
costs more the more recent the meeting, and the cheapest grouping of many shuffled greedy tries wins.
With an odd number of members one is the odd one out, chosen by turn: the one who has been odd least
often, never the one who was odd in the last round. The odd one joins a pair (a trio, ``trio``) or
sits the week out (``sit-out``).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

OddPolicy = Literal["trio", "sit-out"]
ODD_POLICIES: tuple[OddPolicy, ...] = ("trio", "sit-out")
LOOKBACK = 6
"""Rounds of history that count against meeting again."""
TRIES = 400
"""Shuffled greedy groupings tried per round (cheap: a few thousand comparisons for a team)."""
REMIND_AFTER = timedelta(days=3, hours=12)
"""The mid-week reminder, after the round."""


@dataclass(frozen=True, slots=True)
class PastRound:
    """A round already made: its groups and who was the odd one out (``None``: nobody)."""

    groups: tuple[tuple[int, ...], ...]
    odd: int | None = None


@dataclass(frozen=True, slots=True)
class RoundPlan:
    groups: tuple[tuple[int, ...], ...]
    """Pairs (and at most one trio); the first member of each interviews first."""
    odd: int | None = None
    sat_out: int | None = None


def next_round_at(weekday: int, local_time: time, timezone: str, after: datetime) -> datetime:
    """The first ``weekday`` at ``local_time`` in ``timezone`` strictly after ``after`` (aware UTC)."""
    zone = ZoneInfo(timezone)
    local_after = after.astimezone(zone)
    for offset in range(0, 8):
        day = local_after.date() + timedelta(days=offset)
        if day.weekday() != weekday:
            continue
        moment = datetime.combine(day, local_time, tzinfo=zone).astimezone(ZoneInfo("UTC"))
        if moment > after:
            return moment
    raise AssertionError("a weekday comes round within 8 days")  # pragma: no cover


def round_date(due_at: datetime, timezone: str) -> date:
    """The local date a round belongs to: one round per channel and date."""
    return due_at.astimezone(ZoneInfo(timezone)).date()


def _edges(group: Sequence[int]) -> list[frozenset[int]]:
    return [frozenset((a, b)) for i, a in enumerate(group) for b in group[i + 1:]]


def last_met(history: Sequence[PastRound]) -> dict[frozenset[int], int]:
    """For each two members who met within ``LOOKBACK`` rounds, how many rounds ago (0: the last one)."""
    met: dict[frozenset[int], int] = {}
    for age, past in enumerate(history[:LOOKBACK]):
        for group in past.groups:
            for edge in _edges(group):
                met.setdefault(edge, age)
    return met


def _cost(group: Sequence[int], met: dict[frozenset[int], int]) -> int:
    return sum((LOOKBACK - met[edge]) ** 2 for edge in _edges(group) if edge in met)


def choose_odd(members: Sequence[int], history: Sequence[PastRound], rng: random.Random,
               odd_times: Mapping[int, int] | None = None) -> int:
    """The odd one out by turn: odd least often (``odd_times``, else counted in ``history``), never the last
    round's odd one (when anyone else can be)."""
    last = history[0].odd if history else None
    candidates = [m for m in members if m != last] or list(members)
    times = {m: odd_times.get(m, 0) if odd_times is not None else sum(1 for past in history if past.odd == m)
             for m in candidates}
    fewest = min(times.values())
    return rng.choice(sorted(m for m in candidates if times[m] == fewest))


def make_round(members: Sequence[int], history: Sequence[PastRound], policy: OddPolicy,
               rng: random.Random, odd_times: Mapping[int, int] | None = None) -> RoundPlan:
    """Group ``members`` for this round (``history`` newest first). Fewer than two members: no groups."""
    people = sorted(set(members))
    if len(people) < 2:
        return RoundPlan(groups=(), odd=people[0] if people else None,
                         sat_out=people[0] if people else None)
    odd = choose_odd(people, history, rng, odd_times) if len(people) % 2 else None
    even = [m for m in people if m != odd]
    met = last_met(history)
    best: tuple[int, list[list[int]]] = (-1, [])
    for _ in range(TRIES):
        order = even[:]
        rng.shuffle(order)
        groups: list[list[int]] = []
        while order:
            first = order.pop(0)
            partner = min(order, key=lambda other: _cost((first, other), met))
            order.remove(partner)
            groups.append([first, partner])
        if odd is not None and policy == "trio":
            host = min(groups, key=lambda g: _cost((*g, odd), met) - _cost(g, met))
            host.append(odd)
        total = sum(_cost(g, met) for g in groups)
        if best[0] < 0 or total < best[0]:
            best = (total, groups)
        if total == 0:
            break
    ordered = []
    for group in best[1]:
        rng.shuffle(group)  # who interviews first
        ordered.append(tuple(group))
    return RoundPlan(groups=tuple(ordered), odd=odd,
                     sat_out=odd if policy == "sit-out" else None)


def repeats(plan: RoundPlan, history: Sequence[PastRound], within: int) -> list[frozenset[int]]:
    """Two members of ``plan`` who already met in the last ``within`` rounds (what the tests check)."""
    seen = {edge for past in history[:within] for group in past.groups for edge in _edges(group)}
    return [edge for group in plan.groups for edge in _edges(group) if edge in seen]
