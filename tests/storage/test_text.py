"""Text that PostgreSQL's driver would refuse, on SQLite and PostgreSQL: normalised where it enters
(``bot.core.normalise``), and made storable as a statement leaves (``bot.storage.database``)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.core.normalise import MAX_ANSWER_CHARS, clean, display_name, fit_answer, known_timezone, storable
from bot.core.records import AnswerDraft
from bot.core.refs import UserRef
from bot.storage.repository import SqlStore

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
HOSTILE = [
    "before\x00after",
    "lone \ud800 surrogate",
    "low \udfff first",
    "pair \ud83d\ude00 as two halves",
    "bell\x07 escape\x1b[31m del\x7f c1\x85",
    "tab\tline\nreturn\r kept",
    "\x00" * 50,
]


def draft(key: str, text: str, who: UserRef) -> AnswerDraft:
    return AnswerDraft(member=who, text=text, event_key=key, created_at=AT, local_date=date(2026, 3, 2))


def test_storable_repairs_what_postgresql_refuses_and_keeps_the_rest() -> None:
    assert storable("before\x00after") == "beforeafter"
    assert storable("lone \ud800 surrogate") == "lone \ufffd surrogate"
    assert storable("pair \ud83d\ude00 as two halves") == "pair \U0001f600 as two halves"
    assert storable("tab\tline\nreturn\r kept") == "tab\tline\nreturn\r kept"
    assert storable("bell\x07 escape\x1b[31m del\x7f c1\x85") == "bell escape[31m del c1"
    for text in HOSTILE:
        storable(text).encode("utf-8")  # no lone surrogate left: UTF-8 (and so PostgreSQL) takes it
        assert "\x00" not in storable(text)


def test_commands_names_and_timezones_pass_through_the_same_normalisation() -> None:
    assert clean("/practice  section\x00 3") == "/practice section 3"
    assert clean("interview url\ud800-shortener") == "interview url\ufffd-shortener"
    assert display_name("Ann\x00\u200b the\nsecond" + "x" * 200) == ("Ann the second" + "x" * 200)[:80]
    assert known_timezone("Europe/Berlin") == "Europe/Berlin"
    for bad in ("Europe/Berlin\x00", "Nowhere/Land", "../../etc/passwd", "", None, 5, "A" * 500, "\ud800"):
        assert known_timezone(bad) is None, bad


def test_a_long_answer_is_capped_and_says_so() -> None:
    short = fit_answer("  a fine answer \x00 ")
    assert (short.text, short.cut) == ("a fine answer", False)
    long = fit_answer("word " * MAX_ANSWER_CHARS)
    assert long.cut
    assert len(long.text) <= MAX_ANSWER_CHARS
    assert long.text.startswith("word word")
    exactly = fit_answer("x" * MAX_ANSWER_CHARS)
    assert (len(exactly.text), exactly.cut) == (MAX_ANSWER_CHARS, False)


@pytest.mark.parametrize("text", HOSTILE)
async def test_hostile_text_reaches_the_database_on_every_backend(store: SqlStore, text: str) -> None:
    """Even text that skipped the core's normalisation is stored, repaired, not refused."""
    who = UserRef("slack", "U1", "T1", f"name {text}")
    member = await store.ensure_member(who, timezone=None)
    recorded = await store.record_answer(draft("slack:T1:C1:1.5", text, who))
    assert recorded is not None
    assert recorded.text == storable(text)
    assert member.ref.display_name == storable(f"name {text}")
    edited = await store.update_answer_text("slack:T1:C1:1.5", f"edited {text}")
    assert edited is not None
    assert edited.text == storable(f"edited {text}")


async def test_normalised_answers_round_trip_unchanged(store: SqlStore) -> None:
    who = UserRef("slack", "U2", "T1", display_name("Bo\x00b"))
    await store.ensure_member(who, timezone=known_timezone("Asia/Kolkata"))
    texts = [fit_answer(text).text for text in HOSTILE if fit_answer(text).text]
    for number, text in enumerate(texts):
        recorded = await store.record_answer(draft(f"k{number}", text, who))
        assert recorded is not None
        assert recorded.text == text, "nothing left for the storage guard to change"
    member = await store.get_member(who)
    assert member is not None
    assert (member.ref.display_name, member.timezone) == ("Bob", "Asia/Kolkata")
