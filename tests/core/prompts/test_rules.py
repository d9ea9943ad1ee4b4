from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.core.prompts.rules import (
    SectionPractice,
    choose_drill,
    choose_prompt,
    next_prompt_at,
    section_weights,
    window_closes_at,
)
from bot.core.records import DailyPromptRecord, DrillRecord, Schedule
from bot.core.refs import ChannelRef, ThreadRef, UserRef
from framework import load

CHANNEL = ChannelRef("console", "c1", "w")


def _record(day: date, section: int, scenario: str) -> DailyPromptRecord:
    return DailyPromptRecord(1, CHANNEL, day, section, scenario, "x", "q?", datetime.now(UTC), None, None, False)


def test_next_prompt_respects_local_time_weekdays_and_timezone() -> None:
    schedule = Schedule(time(9, 30), "America/New_York", frozenset({0, 2}))  # Mon, Wed
    after = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)  # Tuesday
    due = next_prompt_at(schedule, after)
    assert due == datetime(2026, 3, 4, 14, 30, tzinfo=UTC)  # Wed 09:30 EST
    assert next_prompt_at(schedule, due) == datetime(2026, 3, 9, 13, 30, tzinfo=UTC)  # Mon, after DST starts


def test_disabled_schedule_has_no_next_prompt() -> None:
    assert next_prompt_at(Schedule(time(9), "UTC", frozenset(), True), datetime.now(UTC)) is None
    assert next_prompt_at(Schedule(time(9), "UTC", frozenset({1}), False), datetime.now(UTC)) is None


def test_window_closes_at_end_of_local_day_by_default() -> None:
    closes = window_closes_at("Europe/Berlin", date(2026, 6, 1), None, datetime(2026, 6, 1, 7, tzinfo=UTC))
    assert closes == datetime(2026, 6, 1, 22, 0, tzinfo=UTC)
    fixed = window_closes_at("Europe/Berlin", date(2026, 6, 1), 3, datetime(2026, 6, 1, 7, tzinfo=UTC))
    assert fixed == datetime(2026, 6, 1, 10, tzinfo=UTC)


def test_choice_never_repeats_section_in_a_row_nor_scenario_within_14_days() -> None:
    fw = load()
    rng = random.Random(7)
    history: list[DailyPromptRecord] = []
    day = date(2026, 1, 1)
    for _ in range(200):
        choice = choose_prompt(fw, list(reversed(history)), day, rng)
        if history:
            assert choice.section.number != history[-1].section
        recent = {p.scenario_id for p in history if p.local_date > day - timedelta(days=14)}
        assert choice.scenario.id not in recent
        assert choice.item in choice.section.items
        assert choice.section.number != 0
        history.append(_record(day, choice.section.number, choice.scenario.id))
        day += timedelta(days=1)
    assert len({p.section for p in history}) == 9


def test_choice_is_reproducible_under_a_seed() -> None:
    fw = load()
    first = [choose_prompt(fw, [], date(2026, 1, 1), random.Random(42)).question for _ in range(3)]
    again = [choose_prompt(fw, [], date(2026, 1, 1), random.Random(42)).question for _ in range(3)]
    assert first == again


def test_weights_favour_the_least_practised_and_lowest_scoring_sections() -> None:
    sections = list(range(1, 10))
    assert section_weights(sections, {}) == [1.0] * 9, "no practice yet: every section weighs the same"
    practice = {1: SectionPractice(10, 9.0), 2: SectionPractice(10, 1.0), 3: SectionPractice(1, 9.0)}
    weights = dict(zip(sections, section_weights(sections, practice), strict=True))
    assert weights[1] == pytest.approx(1.2)  # most practised, scoring well: the floor (+ a little for 9/10)
    assert weights[2] == pytest.approx(2.8)  # as practised, scoring badly
    assert weights[3] == pytest.approx(1 + 2 * 0.9 + 0.2)  # rarely practised, scoring well
    assert weights[4] == pytest.approx(4.0)  # never practised: full practice weight, middling on score
    assert max(weights.values()) / min(weights.values()) <= 5


def test_weighted_choice_leans_into_blind_spots_under_a_seed_and_keeps_the_rules() -> None:
    fw = load()
    # The channel practised sections 1-4 a lot and scored well; 5-9 never.
    practice = {n: SectionPractice(12, 8.5) for n in (1, 2, 3, 4)}
    rng = random.Random(2026)
    history: list[DailyPromptRecord] = []
    day = date(2026, 1, 1)
    for _ in range(300):
        choice = choose_prompt(fw, list(reversed(history)), day, rng, practice)
        if history:
            assert choice.section.number != history[-1].section
        recent = {p.scenario_id for p in history if p.local_date > day - timedelta(days=14)}
        assert choice.scenario.id not in recent
        history.append(_record(day, choice.section.number, choice.scenario.id))
        day += timedelta(days=1)
    counts = Counter(p.section for p in history)
    blind = sum(counts[n] for n in range(5, 10)) / 5
    practised = sum(counts[n] for n in range(1, 5)) / 4
    assert blind > 2.5 * practised, counts
    seeded = random.Random(99)
    first = [choose_prompt(fw, [], day, seeded, practice).section.number for _ in range(20)]
    seeded = random.Random(99)
    assert first == [choose_prompt(fw, [], day, seeded, practice).section.number for _ in range(20)]


def _drill(section: int, item: str, scenario: str) -> DrillRecord:
    return DrillRecord(1, UserRef("console", "a", "w"), CHANNEL, section, scenario, item, "q?",
                       ThreadRef(CHANNEL, "t"), datetime.now(UTC))


def test_a_drill_aims_at_the_lowest_mean_with_unscored_sections_in_the_middle() -> None:
    fw = load()
    rng = random.Random(3)
    low = {2: SectionPractice(3, 8.0), 6: SectionPractice(2, 2.5)}
    choice = choose_drill(fw, low, {6: {"s6-specialized-stores": 3, "s6-store-selection": 1}}, [], rng)
    assert (choice.section.number, choice.mean, choice.answers) == (6, 2.5, 2)
    assert choice.item.id == "s6-specialized-stores", "the item missed most"
    strong = {n: SectionPractice(4, 9.0) for n in range(1, 10) if n != 4}
    assert choose_drill(fw, strong, {}, [], rng).section.number == 4, "never scored beats 9/10"
    assert choose_drill(fw, {}, {}, [], rng).mean is None
    # the item of the last drill in that section is not asked again while another is left
    first = fw.section(6).items[0].id
    again = choose_drill(fw, low, {6: {first: 5}}, [_drill(6, first, "url-shortener")], rng)
    assert again.item.id != first
    assert again.scenario.id != "url-shortener", "a scenario of a recent drill is not used again"
