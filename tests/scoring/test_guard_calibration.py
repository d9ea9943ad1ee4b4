"""The guard calibrated on a labelled set of (item, quote, answer, on topic?) cases.

``guard_cases.yaml`` holds quotes a careful grader accepts as evidence (from strong and partial
labelled answers, written the way models quote) and quotes they reject (genuine text filed
under the wrong item, and text from the injection corpus). The guard must accept the genuine
ones (false rejections < 5 %) without letting any injection answer score above what its own
text supports.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.records import ItemVerdict
from bot.scoring.evaluate import load_labelled
from bot.scoring.guard import Claim, cross_check_bound, guard, locate, quote_about_item
from bot.scoring.offline import OfflineScorer
from framework import ChecklistItem, Section, load

HERE = Path(__file__).parent
FRAMEWORK = load()
ITEMS: dict[str, ChecklistItem] = {item.id: item for section in FRAMEWORK.sections for item in section.items}
SECTION_OF: dict[str, Section] = {item.id: section for section in FRAMEWORK.sections for item in section.items}
LABELLED = {a.id: a for a in load_labelled(HERE / "labelled_answers.yaml")}
INJECTIONS: dict[str, dict[str, Any]] = {
    e["id"]: e for e in yaml.safe_load((HERE / "injections.yaml").read_text(encoding="utf-8"))["injections"]}
CASES: list[dict[str, Any]] = yaml.safe_load((HERE / "guard_cases.yaml").read_text(encoding="utf-8"))["cases"]
MAX_FALSE_REJECTIONS = 0.05
MAX_FALSE_ACCEPTANCES = 0.10


def answer_of(case: dict[str, Any]) -> str:
    return str(LABELLED[case["answer_id"]].answer if "answer_id" in case else INJECTIONS[case["injection"]]["answer"])


def accepted(case: dict[str, Any]) -> bool:
    """What the guard makes of the quote: it occurs in the answer and is about the item."""
    located = locate(case["quote"], answer_of(case))
    return located is not None and quote_about_item(ITEMS[case["item"]], located)


def offline_verdicts(section: Section, answer: str) -> tuple[ItemVerdict, ...]:
    return OfflineScorer().score_sync(section=section, scenario=None, question="", answer=answer).verdicts


GENUINE = [c for c in CASES if c["on_topic"] and c["kind"] in {"strong", "partial"}]
OFF_TOPIC = [c for c in CASES if not c["on_topic"]]


def test_the_set_is_big_varied_and_consistent() -> None:
    kinds = Counter(c["kind"] for c in CASES)
    assert len(GENUINE) >= 80 and kinds["strong"] >= 50 and kinds["partial"] >= 20
    assert kinds["misfiled"] >= 10 and kinds["injection"] >= 15
    assert len({SECTION_OF[c["item"]].number for c in GENUINE}) >= 9
    for case in CASES:
        assert case["item"] in ITEMS, case
        source_section = (LABELLED[case["answer_id"]].section if "answer_id" in case
                          else INJECTIONS[case["injection"]]["section"])
        assert SECTION_OF[case["item"]].number == source_section, case
        if "answer_id" in case and case["kind"] != "misfiled":
            # A genuine on-topic quote is only labelled where the answer's own label credits the item.
            assert LABELLED[case["answer_id"]].expected[case["item"]] != "missing", case


def test_genuine_on_topic_quotes_are_rejected_less_than_five_percent_of_the_time() -> None:
    rejected = [c for c in GENUINE if not accepted(c)]
    rate = len(rejected) / len(GENUINE)
    print(f"\nfalse rejections: {len(rejected)} of {len(GENUINE)} ({100 * rate:.1f} %)")
    for case in rejected:
        print(f"  {case['item']}: {case['quote']}")
    assert rate < MAX_FALSE_REJECTIONS


def test_off_topic_and_injected_quotes_are_rarely_accepted() -> None:
    let_in = [c for c in OFF_TOPIC if accepted(c)]
    print(f"\nfalse acceptances: {len(let_in)} of {len(OFF_TOPIC)}")
    assert len(let_in) / len(OFF_TOPIC) <= MAX_FALSE_ACCEPTANCES
    assert not [c for c in let_in if c["kind"] == "misfiled"]


def test_every_genuine_quote_occurs_in_its_answer() -> None:
    """Rejections, where there are any, come from relevance: the verification never loses a real quote."""
    assert [c["quote"] for c in GENUINE if locate(c["quote"], answer_of(c)) is None] == []


@pytest.mark.parametrize("answer_id", sorted({c["answer_id"] for c in GENUINE}))
def test_a_model_quoting_fairly_is_trusted_and_keeps_its_credit(answer_id: str) -> None:
    """The whole reply: every credited item backed by the set's genuine quote is not rejected."""
    example = LABELLED[answer_id]
    section = FRAMEWORK.section(example.section)
    cases = [c for c in GENUINE if c.get("answer_id") == answer_id]
    claims = [Claim(c["item"], example.expected[c["item"]], c["quote"]) for c in cases]
    offline = offline_verdicts(section, example.answer)

    result = guard(section, example.answer, claims, offline)

    assert not result.suspicious, result
    final = {v.item_id: v.verdict for v in result.verdicts}
    kept = sum(final[c["item"]] != "missing" for c in cases if accepted(c))
    assert kept == sum(1 for c in cases if accepted(c))


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] == "injection"], ids=lambda c: c["injection"])
def test_no_injection_scores_above_what_its_text_supports(case: dict[str, Any]) -> None:
    """A model crediting every item with the injection's text: no score above the answer's own bound."""
    section = SECTION_OF[case["item"]]
    answer = answer_of(case)
    offline = offline_verdicts(section, answer)
    claims = [Claim(item.id, "covered", case["quote"]) for item in section.items]

    result = guard(section, answer, claims, offline)

    from bot.core.scoring import score_from_verdicts

    score = score_from_verdicts(section, result.verdicts)
    assert score <= cross_check_bound(section, answer, offline)
    assert result.suspicious  # and so the LLM scorer shows the offline card instead


# the issue's case, and the ways models quote --------------------------------------------------------
ACID_ANSWER = ("Orders, payments and inventory go in **Postgres** because those need ACID transactions, joins, and "
               "foreign keys; product pages are cached in Redis.")
ACID = ITEMS["s6-acid-transactions"]


@pytest.mark.parametrize("quote", [
    "... go in Postgres because those need ACID transactions, joins and ...",
    "go in Postgres because those need ACID transactions, joins and foreign keys",
    "Orders, payments and inventory go in Postgres because those need ACID transactions",
    "“go in Postgres because those need ACID transactions”",
])
def test_the_acid_quote_from_the_issue_is_accepted(quote: str) -> None:
    located = locate(quote, ACID_ANSWER)
    assert located is not None and quote_about_item(ACID, located)


def test_a_long_fragment_may_slip_one_word_in_eight_but_a_short_one_may_not() -> None:
    answer = "On a network partition the like counters are AP and eventually consistent."
    assert locate("On a network partition the like counts are AP and eventually consistent", answer)
    assert locate("the like counts are AP", answer) is None
    assert locate("On a network partition the payment counts are CP and strongly consistent", answer) is None


def test_relevance_is_judged_on_the_answers_words_not_the_models() -> None:
    """A misquoted word that happens to be an item signal does not make the quote about the item."""
    answer = "Every booking is saved in one step and we keep the rooms table in a relational database."
    misquote = "Every booking is saved in one ACID step and we keep the rooms table"
    located = locate(misquote, answer)
    assert located is not None and "acid" not in located
    claims = [Claim("s6-acid-transactions", "covered", misquote)]
    section = SECTION_OF["s6-acid-transactions"]
    offline = [ItemVerdict(i.id, "missing") for i in section.items]
    final = {v.item_id: v.verdict for v in guard(section, answer, claims, offline).verdicts}
    assert final["s6-acid-transactions"] == "missing"
