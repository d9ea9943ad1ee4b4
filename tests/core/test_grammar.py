from __future__ import annotations

from datetime import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.errors import UserError
from bot.core.grammar import (
    HelpCommand,
    InterviewCommand,
    LeaderboardCommand,
    ScheduleCommand,
    SectionCommand,
    StreakCommand,
    parse_command,
)
from bot.core.interviews.rules import parse_steer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", HelpCommand()),
        ("help", HelpCommand()),
        ("/practice interview url-shortener 15", InterviewCommand("url-shortener", 15)),
        ("interview 30 chat-app", InterviewCommand("chat-app", 30)),
        ("interview", InterviewCommand()),
        ("interview 20min", InterviewCommand(None, 20)),
        ("interview url-shortener 30 staff", InterviewCommand("url-shortener", 30, "staff")),
        ("interview MID chat-app quiet", InterviewCommand("chat-app", None, "mid", quiet=True)),
        ("interview quiet", InterviewCommand(None, None, "senior", quiet=True)),
        ("leaderboard week", LeaderboardCommand("week")),
        ("LEADERBOARD", LeaderboardCommand("all")),
        ("section 5", SectionCommand(5)),
        ("streak <@U123|bob>", StreakCommand("<@U123|bob>")),
        ("schedule 9:30am Europe/Berlin mon-fri",
         ScheduleCommand(time(9, 30), "Europe/Berlin", frozenset(range(5)))),
        ("schedule fri-mon 17:05 utc", ScheduleCommand(time(17, 5), "UTC", frozenset({4, 5, 6, 0}))),
        ("schedule off", ScheduleCommand(off=True)),
        ("schedule", ScheduleCommand()),
        ("\u200binterview\u200b   url-shortener", InterviewCommand("url-shortener")),
    ],
)
def test_parses(text: str, expected: object) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("interviw", "Did you mean `/practice interview`"),
        ("interview 5", "10 to 90 minutes"),
        ("interview 91", "10 to 90 minutes"),
        ("interview a b", "Usage: `/practice interview"),
        ("interview mid staff", "Give the level once"),
        ("interview a b", "[mid|senior|staff] [quiet]"),
        ("section 12", "no section 12"),
        ("section five", "Usage: `/practice section"),
        ("schedule 25:00", "not a time of day"),
        ("schedule 9:00 Mars/Olympus", "Unknown timezone"),
        ("schedule 9:00 ../../etc/passwd", "not a timezone"),
        ("schedule 9:00 funday", "weekdays"),
        ("leaderboard year", "week|month|all"),
        ("x" * 600, "too long"),
    ],
)
def test_bad_input_gets_a_helpful_message(text: str, fragment: str) -> None:
    with pytest.raises(UserError) as excinfo:
        parse_command(text)
    assert fragment in excinfo.value.message


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_no_input_raises_anything_but_a_user_error(text: str) -> None:
    try:
        parse_command(text)
    except UserError as exc:
        assert exc.message


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["schedule", "interview", "section", "leaderboard", "streak", "9:30", "25:61",
                                 "Europe/Berlin", "utc", "mon-fri", "sun-tue", "off", "45", "0", "🙂",
                                 "\u202e", "ü", "-", ",", "am", "12pm"]), max_size=6))
def test_command_shaped_noise_never_raises(words: list[str]) -> None:
    try:
        parse_command(" ".join(words))
    except UserError as exc:
        assert exc.message


@pytest.mark.parametrize(("text", "word"), [("next", "next"), (" Next! ", "next"), ("hint?", "hint"),
                                             ("time", "time"), ("END", "end"), ("skip.", "skip"),
                                             ("next step is caching", None), ("", None)])
def test_steering_words(text: str, word: str | None) -> None:
    assert parse_steer(text) == word
