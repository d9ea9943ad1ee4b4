"""What people and platforms send, made fit to read and fit to store.

``storable`` is the one normalisation every text goes through before it can reach the database:
PostgreSQL's ``text`` refuses NUL and UTF-8 cannot encode a lone surrogate, so either would lose
the row on PostgreSQL while SQLite kept it. The helpers below build on it: commands (``clean``),
answers (``fit_answer``: capped, and the caller tells the person), display names and timezones
from a platform (``display_name``, ``known_timezone``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from zoneinfo import ZoneInfo

MAX_ANSWER_CHARS = 20_000
MAX_NAME_CHARS = 80
MAX_TIMEZONE_CHARS = 64

# Zero-width space, direction marks and embeddings, word joiners, BOM. Not U+200C/U+200D: joiners
# carry meaning inside emoji sequences and several scripts.
_INVISIBLE = re.compile("[\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
# NUL (PostgreSQL text refuses it) and the other C0/C1 controls, which no one types on purpose;
# tab, line feed and carriage return stay (answers are often lists).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(text: str) -> str:
    """``text`` with what a database would refuse repaired: surrogate pairs joined, lone
    surrogates replaced by U+FFFD, NUL and control characters (but tab and line breaks) dropped."""
    if _SURROGATE.search(text):
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return _CONTROL.sub("", text)


def strip_invisible(text: str) -> str:
    """Drop zero-width and direction-control characters (they hide in pasted text)."""
    return _INVISIBLE.sub("", text)


def clean(text: str) -> str:
    """Normalise what people type: storable, NFKC, no zero-width or direction marks, single spaces."""
    text = unicodedata.normalize("NFKC", storable(text))
    text = _INVISIBLE.sub("", text)
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class FittedAnswer:
    text: str
    cut: bool
    """The answer was longer than ``MAX_ANSWER_CHARS``: only its start was kept (tell the author)."""


def fit_answer(text: str) -> FittedAnswer:
    """What counts of an answer: storable, invisible characters dropped, trimmed, capped in length.

    Line breaks stay (answers are often lists); only the first ``MAX_ANSWER_CHARS`` are kept.
    """
    whole = strip_invisible(storable(text[: MAX_ANSWER_CHARS * 4])).strip()
    cut = len(whole) > MAX_ANSWER_CHARS or len(text) > MAX_ANSWER_CHARS * 4
    return FittedAnswer(whole[:MAX_ANSWER_CHARS], cut)


def clean_answer(text: str) -> str:
    """``fit_answer``'s text (edits, where nobody is told twice)."""
    return fit_answer(text).text


def display_name(name: str) -> str:
    """A name a platform gave: storable, on one line, at most ``MAX_NAME_CHARS``."""
    return clean(name)[:MAX_NAME_CHARS]


def known_timezone(name: object) -> str | None:
    """A platform's timezone name if it is one this machine knows, else ``None`` (callers fall back)."""
    if not isinstance(name, str) or not name or len(name) > MAX_TIMEZONE_CHARS or name != storable(name):
        return None
    try:
        ZoneInfo(name)
    except Exception:  # zoneinfo raises several types for unknown or malformed keys; all mean "not usable"
        return None
    return name
