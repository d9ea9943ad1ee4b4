"""What people type, made fit to read: one normalisation for commands and one for answers."""

from __future__ import annotations

import re
import unicodedata

MAX_ANSWER_CHARS = 20_000

# Zero-width space, direction marks and embeddings, word joiners, BOM. Not U+200C/U+200D: joiners
# carry meaning inside emoji sequences and several scripts.
_INVISIBLE = re.compile("[\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def strip_invisible(text: str) -> str:
    """Drop zero-width and direction-control characters (they hide in pasted text)."""
    return _INVISIBLE.sub("", text)


def clean(text: str) -> str:
    """Normalise what people type: NFKC, no zero-width or direction marks, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    return " ".join(text.split())


def clean_answer(text: str) -> str:
    """What counts of an answer: invisible characters dropped, trimmed, capped in length.

    Line breaks stay (answers are often lists); only the first ``MAX_ANSWER_CHARS`` are kept.
    """
    return strip_invisible(text[: MAX_ANSWER_CHARS * 2]).strip()[:MAX_ANSWER_CHARS]
