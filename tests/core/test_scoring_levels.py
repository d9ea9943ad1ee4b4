"""Scores a person can read: the score and the counts agree; a higher level's items are a bonus below it."""

from __future__ import annotations

from bot.core.records import ItemVerdict
from bot.core.scoring import coverage, score_from_verdicts
from framework import load

SECTION = load().section(6)
STAFF_ITEM = "s6-specialized-stores"


def _all(verdict: str, *, except_: str = "", other: str = "missing") -> list[ItemVerdict]:
    return [ItemVerdict(i.id, other if i.id == except_ else verdict) for i in SECTION.items]  # type: ignore[arg-type]


def test_a_staff_item_is_not_held_against_a_senior_candidate() -> None:
    everything_but_staff = _all("covered", except_=STAFF_ITEM)
    assert score_from_verdicts(SECTION, everything_but_staff) < 10
    assert score_from_verdicts(SECTION, everything_but_staff, level="senior") == 10.0
    assert score_from_verdicts(SECTION, everything_but_staff, level="staff") < 10


def test_a_covered_higher_level_item_is_a_bonus_capped_at_ten() -> None:
    only_staff = [ItemVerdict(STAFF_ITEM, "covered")]
    assert score_from_verdicts(SECTION, only_staff, level="mid") > score_from_verdicts(SECTION, [], level="mid") == 0
    assert score_from_verdicts(SECTION, _all("covered"), level="mid") == 10.0
    counts = coverage(SECTION, only_staff, level="mid")
    assert counts.bonus >= 1 and counts.covered == 0


def test_counts_show_partial_credit_so_they_agree_with_the_score() -> None:
    """Today: "1.6/10 (0 of 9 points covered)": a score from partial credit beside a count that hides it."""
    partly = _all("partial")
    assert score_from_verdicts(SECTION, partly) == 5.0
    assert coverage(SECTION, partly).describe() == f"0 covered, {len(SECTION.items)} partly, 0 missing"
    mixed = [ItemVerdict(SECTION.items[0].id, "covered"), ItemVerdict(SECTION.items[1].id, "partial")]
    assert coverage(SECTION, mixed).describe() == f"1 covered, 1 partly, {len(SECTION.items) - 2} missing"


def test_what_to_work_on_names_only_what_the_level_expects() -> None:
    from bot.core.records import ScoreCard
    from bot.core.scoring import missed_items

    card = ScoreCard(section=6, scorer="offline", score=0.0, verdicts=tuple(_all("missing")), feedback="")
    staff_covers = load().item(STAFF_ITEM).covers
    assert staff_covers in missed_items(SECTION, card)
    assert staff_covers not in missed_items(SECTION, card, level="senior")
