"""The offline checklist scorer: verdicts, evidence, feedback, robustness and quality on labelled answers."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.records import ScoreCard
from bot.core.scoring import score_from_verdicts
from bot.scoring.evaluate import Agreement, evaluate, load_labelled
from bot.scoring.offline import MAX_EVIDENCE_CHARS, OfflineScorer, short_covers
from bot.scoring.stems import stem, tokenise
from framework import ChecklistItem, Section, load

LABELLED = Path(__file__).with_name("labelled_answers.yaml")
ZERO_WIDTH = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")

# Quality floors: the levels reached when the scorer was tuned, minus a small margin, so a
# change that makes the scorer agree less with the human labels fails here.
MIN_ACCURACY_ALL = 0.82  # reached 0.837
MIN_MACRO_F1_ALL = 0.76  # reached 0.784
MAX_SCORE_MAE_ALL = 0.90  # reached 0.75
MIN_ACCURACY_HELD_OUT = 0.70  # reached 0.724 on answers written after tuning

SCORER = OfflineScorer()


def _item(item_id: str, signals: list[str], *, weight: float = 1.0, covers: str = "") -> ChecklistItem:
    return ChecklistItem(
        id=item_id,
        covers=covers or f"Covers the {item_id} topic in some depth.",
        probe=f"What about {item_id.replace('-', ' ')}?",
        signals=tuple(signals),
        weight=weight,
        source="5.1",
        level="mid",
    )


SECTION = Section(
    number=5,
    title="Test section",
    goal="A section made for these tests only.",
    openings=("Tell me about it.",),
    items=(
        _item("t-mesh", ["service mesh", "mtls", "sidecar", "envoy"], weight=1.5,
              covers="A service mesh gives every call mTLS, retries and tracing."),
        _item("t-cache", ["cache", "redis", "ttl", "trade-offs"], covers="Caching with Redis and TTLs, and why."),
        _item("t-queue", ["kafka", "message queue", "pub/sub", "backoff"], weight=0.5,
              covers="Asynchronous work goes through a queue (Kafka) with retries and backoff."),
    ),
)
FILLER = "because the traffic pattern of this product makes it the sensible choice for the team we have"


def _score(answer: str, section: Section = SECTION) -> ScoreCard:
    return SCORER.score_sync(section=section, scenario=None, question="", answer=answer)


def _verdicts(answer: str, section: Section = SECTION) -> dict[str, str]:
    return {v.item_id: v.verdict for v in _score(answer, section).verdicts}


def _plain(text: str) -> str:
    return " ".join(ZERO_WIDTH.sub("", text).split())


# --------------------------------------------------------------------------- verdicts


def test_two_signals_in_an_explained_sentence_cover_an_item() -> None:
    verdicts = _verdicts(f"We put a service mesh with mTLS between the services, {FILLER}.")
    assert verdicts == {"t-mesh": "covered", "t-cache": "missing", "t-queue": "missing"}


def test_one_multi_word_signal_with_context_covers_and_one_word_is_partial() -> None:
    assert _verdicts(f"Every call goes through the service mesh {FILLER}.")["t-mesh"] == "covered"
    assert _verdicts(f"We would add Envoy at some point {FILLER}.")["t-mesh"] == "partial"


def test_a_bare_list_of_names_earns_partial_not_covered() -> None:
    verdicts = _verdicts("Service mesh, Redis, Kafka.")
    assert verdicts == {"t-mesh": "partial", "t-cache": "partial", "t-queue": "partial"}


def test_a_bare_list_with_many_signals_for_one_item_can_still_cover_it() -> None:
    assert _verdicts("Service mesh, mTLS, sidecar, Envoy.")["t-mesh"] == "covered"


def test_repeating_one_signal_counts_once() -> None:
    assert _verdicts(f"Envoy here, Envoy there, Envoy everywhere {FILLER}.")["t-mesh"] == "partial"


@pytest.mark.parametrize(
    "answer",
    [
        "We won't need a service mesh for this.",
        "I don't think a service mesh is worth it, and we never use Envoy.",
        "We don't need a cache, Redis or any TTL tuning; the database copes.",
        "A service mesh is overkill here.",
        "Honestly a service mesh is not needed at our size.",
        "Kafka isn't a concern for the first version.",
    ],
)
def test_negated_or_dismissed_signals_earn_nothing(answer: str) -> None:
    assert set(_verdicts(answer).values()) == {"missing"}


def test_negation_stops_at_a_new_clause() -> None:
    verdicts = _verdicts(f"We don't use Kafka, we use Redis as the cache with a short TTL {FILLER}.")
    assert verdicts["t-queue"] == "missing"
    assert verdicts["t-cache"] == "covered"
    assert _verdicts(f"No shortcuts: the service mesh handles mTLS {FILLER}.")["t-mesh"] == "covered"


def test_not_only_is_not_a_negation() -> None:
    assert _verdicts(f"Not only a service mesh but also mTLS everywhere, {FILLER}.")["t-mesh"] == "covered"


@pytest.mark.parametrize("spelling", ["trade-offs", "tradeoffs", "trade offs", "Trade-off", "TRADEOFF"])
def test_compounds_match_however_they_are_written(spelling: str) -> None:
    assert _verdicts(f"The {spelling} of caching {FILLER}.")["t-cache"] != "missing"


@pytest.mark.parametrize("spelling", ["pubsub", "pub-sub", "pub/sub", "Pub / Sub"])
def test_slash_compounds_match(spelling: str) -> None:
    assert _verdicts(f"Events go over {spelling} {FILLER}.")["t-queue"] != "missing"


def test_stems_match_plurals_and_verb_forms() -> None:
    assert _verdicts(f"Responses are cached, caches expire, caching helps {FILLER}.")["t-cache"] == "partial"
    assert _verdicts(f"Sidecars everywhere, sidecar proxies {FILLER}.")["t-mesh"] == "partial"
    assert stem("caching") == stem("cached") == stem("caches") == stem("cache")
    assert stem("localisation") == stem("localization")
    assert stem("tenancy") == stem("tenant")
    assert stem("consistency") == stem("consistent")


def test_a_unit_glued_to_a_number_is_its_own_word() -> None:
    assert tokenise("p95 under 200ms, 10k rps").words == ["p95", "under", "200", "ms", "10", "k", "rps"]


@pytest.mark.parametrize(
    "answer",
    [
        "We use Re\u200bdis as a ca\u200cche with a TTL",  # zero-width space and joiner inside words
        "We use ＲＥＤＩＳ as a ｃａｃｈｅ with a TTL",  # full-width letters
        "We use Rédis as a cáche with a TTL",  # accents, precomposed
        "We use Re\u0301dis as a ca\u0301che with a TTL",  # combining accents
        "\u202eWe use Redis as a cache with a TTL\u202c",  # right-to-left override
        "We use Redis 🚀 as a cache 💾 with a TTL",
    ],
)
def test_odd_unicode_reads_like_plain_text(answer: str) -> None:
    assert _verdicts(f"{answer} {FILLER}.")["t-cache"] == "covered"


def test_hard_wrapped_prose_is_one_sentence_but_bullets_are_not() -> None:
    wrapped = "We would run a service\nmesh for every call between the services\nof this system."
    assert len(tokenise(wrapped).sentences) == 1
    assert _verdicts(wrapped)["t-mesh"] != "missing"
    bullets = "- a service\n- mesh\n- Kafka"
    assert len(tokenise(bullets).sentences) == 3
    assert _verdicts(bullets)["t-mesh"] == "missing"


# --------------------------------------------------------------------------- evidence


def test_evidence_is_the_best_matching_sentence_of_the_answer() -> None:
    answer = (
        "First we think about users. Then, for resilience, we run a service mesh with mTLS and Envoy "
        "sidecars next to every pod.   Finally some Kafka."
    )
    card = _score(answer)
    by_id = {v.item_id: v for v in card.verdicts}
    assert by_id["t-mesh"].evidence == (
        "Then, for resilience, we run a service mesh with mTLS and Envoy sidecars next to every pod."
    )
    assert by_id["t-queue"].evidence == "Finally some Kafka."
    assert by_id["t-cache"].evidence == ""


def test_evidence_from_a_long_sentence_is_trimmed_around_the_match() -> None:
    answer = ("word " * 150) + "and then the service mesh gives mTLS " + ("more " * 150) + "."
    evidence = {v.item_id: v.evidence for v in _score(answer).verdicts}["t-mesh"]
    assert len(evidence) <= MAX_EVIDENCE_CHARS
    assert "service mesh" in evidence
    assert evidence in _plain(answer)


def test_evidence_keeps_the_original_text_around_odd_characters() -> None:
    answer = "Ｗe run a servi\u200bce mesh with mTLS, " + FILLER + "."
    evidence = {v.item_id: v.evidence for v in _score(answer).verdicts}["t-mesh"]
    assert evidence.startswith("Ｗe run a servi")
    assert _plain(evidence) in _plain(answer)


# --------------------------------------------------------------------------- the card


def test_card_is_labelled_offline_and_scored_from_the_verdicts() -> None:
    card = _score(f"Service mesh with mTLS {FILLER}. Redis {FILLER}.")
    assert SCORER.kind == "offline"
    assert card.scorer == "offline"
    assert card.label == "offline"
    assert card.section == SECTION.number
    assert [v.item_id for v in card.verdicts] == [item.id for item in SECTION.items]
    assert card.score == score_from_verdicts(SECTION, card.verdicts)
    assert card.score == pytest.approx(10 * (1.5 * 1 + 1 * 0.5) / 3.0, abs=0.05)


async def test_async_score_returns_what_score_sync_returns() -> None:
    answer = f"We run a service mesh {FILLER}."
    card = await SCORER.score(section=SECTION, scenario=None, question="q", answer=answer)
    assert card == _score(answer)


def test_the_llm_scorer_can_use_it_inline() -> None:
    from bot.scoring.llm import SyncScorer

    assert isinstance(SCORER, SyncScorer)


def test_feedback_praises_the_covered_and_names_the_most_important_missed() -> None:
    card = _score(f"Redis as a cache with a TTL, {FILLER}.")
    assert card.feedback.startswith("Good: caching with Redis and TTLs")
    assert "Missing: a service mesh gives every call mTLS" in card.feedback
    assert card.follow_up == "What about t mesh?"  # the heaviest missed item's probe


def test_feedback_when_everything_is_covered_or_nothing_was_said() -> None:
    full = _score(f"Service mesh and mTLS {FILLER}. Redis cache with TTL {FILLER}. Kafka and backoff {FILLER}.")
    assert {v.verdict for v in full.verdicts} == {"covered"}
    assert full.score == 10.0
    assert full.follow_up == ""
    assert "every point" in full.feedback
    empty = _score("   \n ")
    assert empty.score == 0.0
    assert {v.verdict for v in empty.verdicts} == {"missing"}
    assert empty.feedback.startswith("No answer")
    assert empty.follow_up == "What about t mesh?"


def test_short_covers_keeps_the_head_of_the_text() -> None:
    assert short_covers("Puts numbers on performance and scale: P50/P95 latency targets.") == (
        "puts numbers on performance and scale"
    )
    assert short_covers("States reliability targets (three or four nines) and error budgets.") == (
        "states reliability targets"
    )
    assert len(short_covers("word " * 60)) <= 81


# --------------------------------------------------------------------------- robustness


def _assert_valid(card: ScoreCard, section: Section, answer: str) -> None:
    assert card.scorer == "offline"
    assert [v.item_id for v in card.verdicts] == [item.id for item in section.items]
    assert 0.0 <= card.score <= 10.0
    for verdict in card.verdicts:
        assert verdict.verdict in {"covered", "partial", "missing"}
        assert len(verdict.evidence) <= MAX_EVIDENCE_CHARS
        assert (verdict.evidence == "") == (verdict.verdict == "missing")
        assert _plain(verdict.evidence) in _plain(answer)


@pytest.mark.parametrize("section_number", range(10))
def test_empty_huge_and_strange_answers_do_not_raise(section_number: int) -> None:
    section = load().section(section_number)
    signals = " ".join(signal for item in section.items for signal in item.signals)
    answers = [
        "",
        " ",
        "\n\n\n",
        ".",
        "?!?!",
        "\u200b\u200c\u200d\ufeff",
        "🚀" * 1000,
        "مرحبا بالعالم، نستخدم Redis و Kafka",
        "日本語の回答です。キャッシュを使います。",
        "x" * 50_000,
        ("We use a cache because it is fast. " * 1500)[:50_000],
        (signals + ". ") * (50_000 // (len(signals) + 2)),
        "\n".join(["- bullet"] * 5000),
        "don't " * 5000,
        "a\u0301" * 20_000,
    ]
    for answer in answers:
        _assert_valid(_score(answer, section), section, answer)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer=st.text(max_size=3000), section_number=st.integers(min_value=0, max_value=9))
def test_arbitrary_text_gives_a_valid_card(answer: str, section_number: int) -> None:
    section = load().section(section_number)
    _assert_valid(_score(answer, section), section, answer)


@settings(max_examples=200, deadline=None)
@given(
    words=st.lists(
        st.sampled_from(["service", "mesh", "mTLS", "not", "no", ",", ".", "\n", "-", "Redis", "cache", "ttl",
                         "trade", "offs", "Kafka", "pub/sub", "but", "only", "\u200b", "é", "🚀", "don't"]),
        max_size=80,
    )
)
def test_arbitrary_mixes_of_signals_and_punctuation_give_a_valid_card(words: list[str]) -> None:
    answer = " ".join(words)
    _assert_valid(_score(answer), SECTION, answer)


def test_signals_are_compiled_once_per_section_content() -> None:
    from bot.scoring import offline

    section = load().section(3)
    offline._compile(section)
    cached = offline._compile(section)
    assert offline._compile(load().section(3)) is cached
    edited = section.model_copy(
        update={"items": (section.items[0].model_copy(update={"signals": ("zebra", "yak", "gnu")}),)}
    )
    assert offline._compile(edited) is not cached


# --------------------------------------------------------------------------- the labelled set


def test_labelled_set_is_big_varied_and_matches_the_content() -> None:
    framework = load()
    labelled = load_labelled(LABELLED)
    assert len(labelled) >= 60
    assert len({example.id for example in labelled}) == len(labelled)
    per_section = Counter(example.section for example in labelled)
    assert all(per_section[number] >= 5 for number in range(10)), per_section
    assert len({example.style for example in labelled}) >= 5
    for example in labelled:
        section = framework.section(example.section)
        framework.scenario(example.scenario)  # raises KeyError for an unknown scenario id
        assert set(example.expected) == {item.id for item in section.items}, example.id
        assert example.answer.strip(), example.id
    expected = Counter(v for example in labelled for v in example.expected.values())
    assert min(expected.values()) >= 50, expected  # good, partial and poor answers alike


@pytest.fixture(scope="module")
def agreement() -> Agreement:
    return asyncio.run(evaluate(OfflineScorer(), load_labelled(LABELLED), load()))


def test_agreement_with_human_labels_stays_above_the_floor(agreement: Agreement) -> None:
    assert agreement.accuracy >= MIN_ACCURACY_ALL, agreement.render()
    assert agreement.macro_f1 >= MIN_MACRO_F1_ALL, agreement.render()
    assert agreement.score_mae <= MAX_SCORE_MAE_ALL, agreement.render()
    for verdict, stats in agreement.per_verdict.items():
        assert stats.f1 >= 0.55, (verdict, agreement.render())


async def test_agreement_on_held_out_answers_stays_above_the_floor() -> None:
    held_out = [example for example in load_labelled(LABELLED) if example.holdout]
    assert len(held_out) >= 20
    result = await evaluate(OfflineScorer(), held_out, load())
    assert result.accuracy >= MIN_ACCURACY_HELD_OUT, result.render()


def test_evaluate_counts_every_item_once(agreement: Agreement) -> None:
    labelled = load_labelled(LABELLED)
    assert agreement.answers == len(labelled)
    assert agreement.items == sum(len(example.expected) for example in labelled)
    assert sum(sum(row.values()) for row in agreement.confusion.values()) == agreement.items
    correct = sum(agreement.confusion[v][v] for v in agreement.confusion)
    assert agreement.accuracy == pytest.approx(correct / agreement.items)
    assert len(agreement.disagreements) == agreement.items - correct


def test_feedback_never_cuts_an_item_mid_phrase_without_saying_so() -> None:
    """Today's feedback read "staying with pragmatic." (cut at the comma inside a phrase)."""
    item = load().item("s0-pragmatic-risk")
    assert short_covers(item.covers) == "commits to exploring leading practices"
    for section in load().sections:
        for checklist_item in section.items:
            head = short_covers(checklist_item.covers)
            rest = checklist_item.covers[len(head):]
            # either visibly shortened, or it stops where a clause or an aside ends
            assert head.endswith("…") or rest[:2] in {"", ".", ": ", " (", "; ", " -", ", "} or rest.startswith(" "), (
                checklist_item.id, head)
            assert not head.endswith((" pragmatic", " with", " and", " or", " the", " a")), (checklist_item.id, head)
