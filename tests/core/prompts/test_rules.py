from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from bot.core.prompts.rules import choose_prompt, next_prompt_at, window_closes_at
from bot.core.records import DailyPromptRecord, Schedule
from bot.core.refs import ChannelRef
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
