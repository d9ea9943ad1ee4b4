"""Text to word stems for the offline scorer: normalise, split into sentences, stem.

Normalising lower-cases, strips accents and combining marks, drops format characters
(zero-width spaces and joiners, bidi controls, soft hyphens) and folds compatibility forms
(full-width letters, ligatures), so ``Ｃａｃｈｅ``, ``cach\u200be`` and ``cache`` read alike.
Every word keeps its position in the original text so evidence can be quoted from it.

The stemmer is deliberately light: plurals, ``-ing``/``-ed``, a few derivational endings and
British ``-ise`` spellings. It only has to map an answer's words and the checklist signals
to the same stems; it need not produce real words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# A word (with inner apostrophes: "don't", "team's"; a number is split from its unit, so
# "200ms" reads as "200 ms" while "p95" and "s3" stay whole), a sentence end, a line break, or a
# clause break ("but" is one too, see ``tokenise``). The offline scorer's negations stop at clause breaks.
_TOKEN = re.compile(r"[a-z][a-z0-9]*(?:'[a-z0-9]+)*|[0-9]+|[.!?]+(?=\s|$)|\n|[,;:()\[\]]|\s[-\u2013\u2014]\s")
_WORD_START = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_SENTENCE_END = frozenset(".!?\n")
_SPACE = re.compile(r"\s+")
_LIST_MARKERS = frozenset("-*+>#\u2022\u2023\u25e6\u2043\u2219")
WRAPPED_LINE_CHARS = 60
"""A line at least this long followed by a line break is taken as hard-wrapped prose."""
_APOSTROPHES = {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'", "\uff07": "'"}
_VOWELS = frozenset("aeiouy")
_NO_UNDOUBLE = frozenset("lsz")

_STEM_CACHE: dict[str, str] = {}
_CHAR_CACHE: dict[str, str] = {}
_CACHE_LIMIT = 50_000
"""Both caches are cleared when they grow past this, so hostile input cannot grow memory."""

_BRITISH = (("isation", "ization"), ("ising", "izing"), ("ised", "ized"), ("ises", "izes"), ("ise", "ize"))
_DERIVATIONAL = (  # (suffix, replacement, shortest stem left)
    ("ization", "ize", 4),
    ("ation", "ate", 4),
    ("ency", "ent", 3),
    ("ancy", "ant", 3),
    ("ence", "ent", 4),
    ("ance", "ant", 4),
    ("ment", "", 4),
    ("ly", "", 4),
)


def _normal_char(char: str) -> str:
    mapped = _CHAR_CACHE.get(char)
    if mapped is not None:
        return mapped
    if char in _APOSTROPHES:
        mapped = "'"
    elif unicodedata.category(char) == "Cf":
        mapped = ""
    else:
        decomposed = unicodedata.normalize("NFKD", char)
        mapped = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    if len(_CHAR_CACHE) >= _CACHE_LIMIT:
        _CHAR_CACHE.clear()
    _CHAR_CACHE[char] = mapped
    return mapped


def normalise(text: str) -> tuple[str, list[int] | None]:
    """The normalised text and, per normalised character, its index in ``text``.

    ``None`` instead of the index list means the positions are unchanged (plain ASCII).
    """
    if text.isascii():
        return text.lower(), None
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        mapped = char.lower() if char.isascii() else _normal_char(char)
        if mapped:
            pieces.append(mapped)
            origin.extend([index] * len(mapped))
    return "".join(pieces), origin


def _has_vowel(text: str) -> bool:
    return any(c in _VOWELS for c in text)


def _compute_stem(word: str) -> str:
    if len(word) <= 3 or not word.isalpha():
        return word
    for old, new in _BRITISH:
        if word.endswith(old) and len(word) - len(old) >= 3:
            word = word[: -len(old)] + new
            break
    if word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith(("ss", "us")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        rest = word[: -len(suffix)]
        if word.endswith(suffix) and len(rest) >= 3 and _has_vowel(rest):
            word = rest
            if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in _VOWELS | _NO_UNDOUBLE:
                word = word[:-1]
            break
    for old, new, shortest in _DERIVATIONAL:
        if word.endswith(old) and len(word) - len(old) >= shortest:
            word = word[: -len(old)] + new
            break
    else:
        if word.endswith(("tion", "sion")) and len(word) >= 7:
            word = word[:-3]
    if word.endswith("e") and len(word) >= 4:
        word = word[:-1]
    return word


def stem(word: str) -> str:
    """The stem of one lower-case word (apostrophes already removed)."""
    cached = _STEM_CACHE.get(word)
    if cached is None:
        cached = _compute_stem(word)
        if len(_STEM_CACHE) >= _CACHE_LIMIT:
            _STEM_CACHE.clear()
        _STEM_CACHE[word] = cached
    return cached


def phrase_words(phrase: str) -> tuple[str, ...]:
    """The words of a signal phrase, tokenised exactly like answers are ("trade-offs" -> trade, offs)."""
    text, _ = normalise(phrase)
    return tuple(m.group().replace("'", "") for m in _TOKEN.finditer(text) if m.group()[0] in _WORD_START)


@dataclass(slots=True)
class Tokens:
    """An answer as parallel per-word lists, plus its sentences."""

    text: str
    """The original answer."""
    words: list[str] = field(default_factory=list)
    """Each word as written (normalised, apostrophes removed), for joining split compounds."""
    stems: list[str] = field(default_factory=list)
    sentence: list[int] = field(default_factory=list)
    """Index into ``sentences`` per word."""
    clause: list[int] = field(default_factory=list)
    """A counter that changes at every strong break (sentence, ``;``, ``:``, brackets, dash, "but")."""
    segment: list[int] = field(default_factory=list)
    """A counter that also changes at commas: list items in a clause are segments."""
    starts: list[int] = field(default_factory=list)
    """Start of each word in the original text."""
    sentences: list[tuple[int, int]] = field(default_factory=list)
    """(start, end) of each sentence in the original text."""

    def excerpt(self, sentence_index: int, around: int, limit: int) -> str:
        """The sentence with whitespace collapsed, cut to ``limit`` chars around ``around``."""
        start, end = self.sentences[sentence_index]
        text = _SPACE.sub(" ", self.text[start:end]).strip()
        if len(text) <= limit:
            return text
        # Where ``around`` falls in the collapsed text (collapsing only shrinks the prefix).
        offset = len(_SPACE.sub(" ", self.text[start:around]).lstrip())
        begin = max(0, min(offset - limit // 3, len(text) - limit))
        if begin > 0:
            space = text.find(" ", begin)
            begin = space + 1 if 0 <= space < begin + 30 else begin
        window = text[begin : begin + limit]
        if begin + limit < len(text):
            space = window.rfind(" ")
            window = window[:space] if space > limit // 2 else window
        return window.strip()


def _continues_line(text: str, newline_at: int) -> bool:
    """Whether a line break only wraps a sentence (pasted or hard-wrapped text) rather than ending it.

    A break ends the sentence after a blank line, before a list marker or a number, and after a
    line ending in punctuation; it continues one before a lower-case word, or after a long line.
    """
    line_start = text.rfind("\n", 0, newline_at) + 1
    previous = text[line_start:newline_at].rstrip()
    if not previous or previous[-1] in ".!?:;":
        return False
    position = newline_at + 1
    while position < len(text) and text[position] in " \t\r\u00a0":
        position += 1
    if position >= len(text):
        return False
    following = text[position]
    if following == "\n" or following in _LIST_MARKERS or following.isdigit():
        return False
    return following.islower() or len(previous) >= WRAPPED_LINE_CHARS


def tokenise(text: str) -> Tokens:
    """Words, stems, sentences, clauses and segments of ``text``, with positions in ``text``."""
    normal, origin = normalise(text)
    tokens = Tokens(text)
    sentence = clause = segment = 0
    sentence_start = sentence_end = -1
    for match in _TOKEN.finditer(normal):
        piece = match.group()
        first = piece[0]
        start = match.start() if origin is None else origin[match.start()]
        if first in _WORD_START and piece != "but":
            word = piece.replace("'", "") if "'" in piece else piece
            if sentence_start < 0:
                sentence_start = start
            sentence_end = match.end() if origin is None else origin[match.end() - 1] + 1
            tokens.words.append(word)
            tokens.stems.append(stem(word))
            tokens.sentence.append(sentence)
            tokens.clause.append(clause)
            tokens.segment.append(segment)
            tokens.starts.append(start)
            continue
        if first == "\n" and _continues_line(text, start):
            continue
        segment += 1
        if first != ",":
            clause += 1
        if first in _SENTENCE_END and sentence_start >= 0:
            end = sentence_end if first == "\n" else (match.end() if origin is None else origin[match.end() - 1] + 1)
            tokens.sentences.append((sentence_start, end))
            sentence += 1
            sentence_start = -1
    if sentence_start >= 0:
        tokens.sentences.append((sentence_start, sentence_end))
    return tokens
