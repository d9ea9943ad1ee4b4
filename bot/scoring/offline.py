"""Checklist scoring without a model: find each item's signals in the answer.

Every checklist item lists ``signals``, words or short phrases a strong answer uses. Both the
signals and the answer are reduced to word stems (``bot.scoring.stems``); a signal matches
where its stems occur consecutively within one sentence. A compound written as one word or
two also matches ("trade-off", "trade off", "tradeoff"). Abbreviations are the content's job:
the signals list them ("rps", "requests per second").

Per item, the distinct signals found decide the verdict:

* a multi-word signal is strong evidence (2 points), a single word weak (1 point);
* a negated signal earns nothing: "we won't need a CDN", "no Kafka, Redis or queues",
  "Elasticsearch is overkill", "multi-tenancy isn't a concern";
* ``covered`` needs ``COVERED_POINTS``; when the sentences holding the evidence are short
  (under ``CONTEXT_WORDS`` words together: a bare list, a one-line answer) it needs
  ``SHALLOW_COVERED_POINTS``, because naming a thing is not explaining it;
* ``partial`` needs one point.

These rules and the signal lists were tuned against hand-labelled answers
(``bench/offline_scorer_quality.py``). The score comes from
``bot.core.scoring.score_from_verdicts``. Each section's signals are compiled once (cached by
section number and content), so a 2,000-character answer is scored in well under a millisecond.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.core.records import ItemVerdict, ScoreCard, Verdict
from bot.core.scoring import score_from_verdicts
from bot.scoring.stems import Tokens, phrase_words, stem, tokenise
from framework import ChecklistItem, Scenario, Section

log = logging.getLogger(__name__)

COVERED_POINTS = 2
"""Points of evidence an item needs to count as covered."""
CONTEXT_WORDS = 20
"""Words the sentences holding an item's evidence need together for ``COVERED_POINTS`` to do."""
SHALLOW_COVERED_POINTS = 4
"""Points needed for covered when the evidence has less context than ``CONTEXT_WORDS``."""
MULTI_WORD_POINTS = 2
SINGLE_WORD_POINTS = 1
NEGATION_SCOPE = 10
"""How many words after a negation it reaches (within its clause; see ``_negation_flags``)."""
DISMISSAL_WINDOW = 5
"""How many words after a signal "is not needed" and the like may reach back to it."""
LIST_ITEM_WORDS = 5
"""A comma segment this short continues a negated list ("no Kafka, Redis or queues")."""
MAX_EVIDENCE_CHARS = 200
FEEDBACK_ITEMS = 2
"""How many covered and how many missed items the feedback names."""
SHORT_COVERS_CHARS = 80

_NEGATIONS = frozenset(
    stem(word)
    for word in (
        "no", "not", "never", "without", "nor", "neither", "cannot", "cant", "dont", "doesnt", "didnt",
        "wont", "wouldnt", "shouldnt", "isnt", "arent", "wasnt", "werent", "aint", "skip",
    )
)
_NOT_A_NEGATION_BEFORE = frozenset({"only", "just", "merely"})
""""not only X" affirms X."""
_CLAUSE_STARTERS = frozenset({"i", "we", "you", "it", "they", "this", "that", "there", "he", "she", "so", "which"})
"""A comma segment starting with one of these is a new clause, not the next item of a list."""
_LIST_JOINERS = frozenset({"or", "and", "nor"})
_DISMISSALS = frozenset(stem(word) for word in ("overkill", "unnecessary", "unneeded", "needless"))
_NEEDS = frozenset(
    stem(word)
    for word in (
        "need", "needed", "necessary", "required", "worth", "concern", "issue", "problem", "relevant",
        "important", "matter",
    )
)

# User-visible wording of the offline feedback, kept together.
_EMPTY_FEEDBACK = "No answer to score yet: write a few sentences on this section."
_ALL_COVERED = "Thorough: you covered every point on the checklist."
_PRAISE = "Good: {items}."
_MISSED = "Missing: {items}."
_DEEPER = "Go deeper on: {items}."


@dataclass(frozen=True, slots=True)
class _Signal:
    item: int
    """Index of the item in the section."""
    phrase: str
    points: int


@dataclass(frozen=True, slots=True)
class _Pattern:
    stems: tuple[str, ...]
    signal: _Signal
    joined: bool = False
    """A multi-word signal written as one word ("tradeoffs" for "trade-offs")."""


@dataclass(frozen=True, slots=True)
class _CompiledSection:
    items: tuple[ChecklistItem, ...]
    by_first_stem: dict[str, tuple[_Pattern, ...]]
    """Patterns indexed by their first stem; one-stem patterns also match joined word pairs."""


_COMPILED: dict[tuple[int, tuple[tuple[str, tuple[str, ...]], ...]], _CompiledSection] = {}


def _compile(section: Section) -> _CompiledSection:
    key = (section.number, tuple((item.id, item.signals) for item in section.items))
    compiled = _COMPILED.get(key)
    if compiled is not None:
        return compiled
    index: dict[str, list[_Pattern]] = {}
    for item_index, item in enumerate(section.items):
        for phrase in item.signals:
            words = phrase_words(phrase)
            if not words:
                log.warning("signal %r of %s has no words; ignored", phrase, item.id)
                continue
            signal = _Signal(item_index, phrase, MULTI_WORD_POINTS if len(words) > 1 else SINGLE_WORD_POINTS)
            patterns = [_Pattern(tuple(stem(w) for w in words), signal)]
            if len(words) > 1:
                # "trade-offs" also matches "tradeoffs", "pub/sub" also "pubsub".
                patterns.append(_Pattern((stem("".join(words)),), signal, joined=True))
            for pattern in patterns:
                index.setdefault(pattern.stems[0], []).append(pattern)
    compiled = _CompiledSection(
        items=section.items,
        by_first_stem={first: tuple(patterns) for first, patterns in index.items()},
    )
    _COMPILED[key] = compiled
    return compiled


@dataclass(slots=True)
class _ItemFindings:
    points: dict[str, int] = field(default_factory=dict)
    """Distinct signal phrase -> points, for affirmative (not negated) matches."""
    affirmed_in: set[int] = field(default_factory=set)
    """Sentences holding an affirmative signal."""
    by_sentence: dict[int, int] = field(default_factory=dict)
    """Sentence index -> points of evidence found in it."""
    first_in_sentence: dict[int, int] = field(default_factory=dict)
    """Sentence index -> position in the answer of the first match."""

    def add(self, signal: _Signal, sentence: int, position: int) -> None:
        self.points[signal.phrase] = signal.points
        self.affirmed_in.add(sentence)
        self.by_sentence[sentence] = self.by_sentence.get(sentence, 0) + signal.points
        self.first_in_sentence.setdefault(sentence, position)

    def verdict(self, sentence_words: Sequence[int]) -> Verdict:
        """``sentence_words``: how many words each sentence of the answer has."""
        total = sum(self.points.values())
        if not total:
            return "missing"
        context = sum(sentence_words[sentence] for sentence in self.affirmed_in)
        needed = COVERED_POINTS if context >= CONTEXT_WORDS else SHALLOW_COVERED_POINTS
        return "covered" if total >= needed else "partial"


def _negation_flags(tokens: Tokens) -> list[bool]:
    """Per word: does a negation before it, in the same clause, reach it?

    A negation reaches ``NEGATION_SCOPE`` words forward and stops at a strong break. It
    carries over a comma only into a short list item ("we don't need sharding, replicas or
    autoscaling"), not into a new clause ("we don't use MySQL, we use Postgres").
    """
    count = len(tokens.stems)
    flags = [False] * count
    segment_words: dict[int, int] = {}
    for segment in tokens.segment:
        segment_words[segment] = segment_words.get(segment, 0) + 1
    cue_at = -1
    for position in range(count):
        if cue_at >= 0:
            left_clause = tokens.clause[position] != tokens.clause[cue_at] or position - cue_at > NEGATION_SCOPE
            new_segment = tokens.segment[position] != tokens.segment[position - 1]
            if left_clause or (
                new_segment and not _list_item(tokens, position, segment_words[tokens.segment[position]])
            ):
                cue_at = -1
        flags[position] = cue_at >= 0
        if tokens.stems[position] in _NEGATIONS:
            following = tokens.words[position + 1] if position + 1 < count else ""
            if following not in _NOT_A_NEGATION_BEFORE:
                cue_at = position
    return flags


def _list_item(tokens: Tokens, position: int, words: int) -> bool:
    """Whether the comma segment starting at ``position`` continues a list rather than a new clause."""
    if tokens.words[position] in _CLAUSE_STARTERS:
        return False
    if words <= LIST_ITEM_WORDS:
        return True
    head = tokens.words[position : position + LIST_ITEM_WORDS]
    return any(word in _LIST_JOINERS for word in head)


def _dismissed_after(tokens: Tokens, end: int) -> bool:
    """"X is overkill", "X isn't needed", "X is not a concern": a dismissal just after a signal."""
    clause = tokens.clause[end - 1]
    negation_seen = False
    for position in range(end, min(end + DISMISSAL_WINDOW, len(tokens.stems))):
        if tokens.clause[position] != clause:
            return False
        word = tokens.stems[position]
        if word in _DISMISSALS or (negation_seen and word in _NEEDS):
            return True
        negation_seen = negation_seen or word in _NEGATIONS
    return False


def _matches_at(tokens: Tokens, position: int, pattern: _Pattern) -> int:
    """How many words ``pattern`` spans at ``position`` (0 when it does not match)."""
    stems = pattern.stems
    end = position + len(stems)
    if end > len(tokens.stems):
        return 0
    sentence = tokens.sentence[position]
    for offset in range(1, len(stems)):
        if tokens.stems[position + offset] != stems[offset] or tokens.sentence[position + offset] != sentence:
            return 0
    return len(stems)


def _find(compiled: _CompiledSection, tokens: Tokens) -> list[_ItemFindings]:
    findings = [_ItemFindings() for _ in compiled.items]
    index = compiled.by_first_stem
    stems = tokens.stems
    count = len(stems)
    negated = _negation_flags(tokens)

    def found(pattern: _Pattern, position: int, end: int) -> None:
        if not negated[position] and not _dismissed_after(tokens, end):
            findings[pattern.signal.item].add(pattern.signal, tokens.sentence[position], tokens.starts[position])

    for position in range(count):
        for pattern in index.get(stems[position], ()):
            span = _matches_at(tokens, position, pattern)
            if span:
                found(pattern, position, position + span)
        if position + 1 < count and tokens.sentence[position + 1] == tokens.sentence[position]:
            joined = stem(tokens.words[position] + tokens.words[position + 1])
            for pattern in index.get(joined, ()):
                if not pattern.joined:
                    found(pattern, position, position + 2)
    return findings


def _evidence(tokens: Tokens, found: _ItemFindings) -> str:
    if not found.by_sentence:
        return ""
    best = max(found.by_sentence, key=lambda sentence: (found.by_sentence[sentence], -sentence))
    return tokens.excerpt(best, found.first_in_sentence[best], MAX_EVIDENCE_CHARS)


_CLAUSE_COMMA = re.compile(r", (?=(?:and|but|so|or|then|with|which|while|including|such as|e\.g\.|i\.e\.) )")
_CLAUSE_BOUNDARY = re.compile(r" (?=(?:while|which|because|so that|whereas|and then|, and) )|,(?= and )")


def short_covers(covers: str, limit: int = SHORT_COVERS_CHARS) -> str:
    """The head of an item's ``covers`` text: up to the first aside or clause, at most ``limit`` chars."""
    text = covers.strip().rstrip(".")
    for stop in (": ", " (", "; ", " - "):
        cut = text.find(stop)
        if cut >= 20:
            text = text[:cut]
    # A comma ends the head only where a new clause starts ("..., and ..."), not inside a phrase
    # ("staying with pragmatic, realistically executable options" must not become "staying with pragmatic").
    for match in _CLAUSE_COMMA.finditer(text):
        if match.start() >= 20:
            text = text[:match.start()]
            break
    if len(text) > limit:
        # Too long: end at the last clause boundary that fits, else at a word with a visible "…".
        bounds = [m.start() for m in _CLAUSE_BOUNDARY.finditer(text) if 20 <= m.start() <= limit]
        text = text[:bounds[-1]] if bounds else text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    if len(text) > 1 and not text[1].isupper():
        text = text[0].lower() + text[1:]
    return text


def _by_importance(items: Sequence[tuple[int, ChecklistItem]]) -> list[tuple[int, ChecklistItem]]:
    return sorted(items, key=lambda pair: (-pair[1].weight, pair[0]))


def _feedback(items: Sequence[ChecklistItem], verdicts: Sequence[Verdict], answered: bool) -> tuple[str, str]:
    """(feedback, follow-up probe) for the verdicts."""
    indexed = list(enumerate(items))
    missing = _by_importance([p for p in indexed if verdicts[p[0]] == "missing"])
    partial = _by_importance([p for p in indexed if verdicts[p[0]] == "partial"])
    covered = _by_importance([p for p in indexed if verdicts[p[0]] == "covered"])
    follow_up = (missing or partial)[0][1].probe if (missing or partial) else ""
    if not answered:
        return _EMPTY_FEEDBACK, follow_up
    if not missing and not partial:
        return _ALL_COVERED, follow_up

    def names(pairs: list[tuple[int, ChecklistItem]]) -> str:
        return "; ".join(short_covers(item.covers) for _, item in pairs[:FEEDBACK_ITEMS])

    parts = []
    if covered:
        parts.append(_PRAISE.format(items=names(covered)))
    if missing:
        parts.append(_MISSED.format(items=names(missing)))
    if partial and len(missing) < FEEDBACK_ITEMS:
        parts.append(_DEEPER.format(items=names(partial)))
    return " ".join(parts), follow_up


_REASONING_WORDS = frozenset({
    "because", "so", "since", "therefore", "thus", "which", "if", "when", "but", "instead", "rather", "unless",
    "whereas", "otherwise", "we", "i", "it", "they", "us", "you", "is", "are", "need", "needs", "must", "should",
    "would", "will", "can", "than", "why", "for", "to", "by", "via", "per", "vs", "with", "from", "into", "on",
    "over", "across", "behind", "between", "of",
})
"""Words that join terms into reasoning (a clause, a condition, a reason); a salad of the checklist's own
terms has none of them and no numbers."""
_WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")
_SEGMENT = re.compile(r"[,;:!?()\n]|\.(?!\d)|\s-\s|^\s*-\s", re.MULTILINE)
"""Where a list's items or a sentence's clauses end (not the dot in "99.9")."""
PASTED_RUN_WORDS = 8
"""An item's own ``covers`` wording copied this many words in a row is pasted, not reasoned."""


def _reasoned(answer: str, items: Sequence[ChecklistItem]) -> bool:
    """A reasoning word or a number in a part of the answer that is not one of the checklist's own
    phrases ("keep it simple", "per tenant" listed are terms, not reasoning)."""
    phrases = sorted({" ".join(_WORD.findall(signal)) for item in items for signal in item.signals},
                     key=len, reverse=True)
    for segment in _SEGMENT.split(answer.lower()):
        text = " ".join(_WORD.findall(segment))
        for phrase in phrases:
            if phrase in text:
                text = re.sub(rf"(?<!\S){re.escape(phrase)}(?!\S)", " ", text)
        words = text.split()
        if any(word in _REASONING_WORDS or word[:1].isdigit() for word in words):
            return True
    return False


def _pasted(covers: str, answer_words: Sequence[str]) -> bool:
    cover_words = _WORD.findall(covers.lower())
    runs = {tuple(cover_words[i:i + PASTED_RUN_WORDS]) for i in range(len(cover_words) - PASTED_RUN_WORDS + 1)}
    return any(tuple(answer_words[i:i + PASTED_RUN_WORDS]) in runs
               for i in range(len(answer_words) - PASTED_RUN_WORDS + 1))


def _without_reasoning_capped(items: Sequence[ChecklistItem], verdicts: list[Verdict], answer: str) -> list[Verdict]:
    """Terms without reasoning earn partial credit at most: a keyword list that spans the checklist (no
    clause, reason or number joins its terms, and it would cover two items or more) caps every item; an
    item's own checklist wording pasted in caps that item. (A short list of one item's own names, "service
    mesh, mTLS, sidecar, Envoy", still covers that item.)"""
    salad = not _reasoned(answer, items) and sum(verdict == "covered" for verdict in verdicts) >= 2
    answer_words = _WORD.findall(answer.lower())
    capped: list[Verdict] = []
    for item, verdict in zip(items, verdicts, strict=True):
        if verdict == "covered" and (salad or _pasted(item.covers, answer_words)):
            capped.append("partial")
        else:
            capped.append(verdict)
    return capped


class OfflineScorer:
    """The ``Scorer`` that needs nothing but the checklist: fast, deterministic, never raises."""

    kind = "offline"

    async def score(
        self, *, section: Section, scenario: Scenario | None, question: str, answer: str
    ) -> ScoreCard:
        return self.score_sync(section=section, scenario=scenario, question=question, answer=answer)

    def score_sync(
        self, *, section: Section, scenario: Scenario | None, question: str, answer: str
    ) -> ScoreCard:
        compiled = _compile(section)
        tokens = tokenise(answer)
        findings = _find(compiled, tokens)
        sentence_words = [0] * len(tokens.sentences)
        for sentence in tokens.sentence:
            sentence_words[sentence] += 1
        verdicts = [found.verdict(sentence_words) for found in findings]
        verdicts = _without_reasoning_capped(compiled.items, verdicts, answer)
        item_verdicts = tuple(
            ItemVerdict(item.id, verdict, _evidence(tokens, found) if verdict != "missing" else "")
            for item, verdict, found in zip(compiled.items, verdicts, findings, strict=True)
        )
        feedback, follow_up = _feedback(compiled.items, verdicts, answered=bool(tokens.stems))
        return ScoreCard(
            section=section.number,
            scorer="offline",
            score=score_from_verdicts(section, item_verdicts),
            verdicts=item_verdicts,
            feedback=feedback,
            follow_up=follow_up,
        )
