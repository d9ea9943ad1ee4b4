"""Answers, practice days and the streak kept with them; withdrawals; scores and usage."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from bot.core.records import (
    AnswerDraft,
    DailyPromptDraft,
    InterviewChanges,
    InterviewDraft,
    ItemVerdict,
    Phase,
    ScoreCard,
    ScoreDraft,
    StreakRecord,
    UsageTotals,
)
from bot.core.refs import ChannelRef, MessageRef, ThreadRef, UserRef
from bot.storage.repository import SqlStore
from tests.storage.conftest import StoreFactory

CHANNEL = ChannelRef("slack", "C1", "T1")
ANN = UserRef("slack", "U1", "T1", "Ann")
BOB = UserRef("slack", "U2", "T1", "Bob")
MONDAY = date(2026, 3, 2)
AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def answer(key: str, day: date = MONDAY, *, who: UserRef = ANN, **fields: object) -> AnswerDraft:
    moment = datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)
    draft = AnswerDraft(member=who, text=f"answer {key}", event_key=key, created_at=moment, local_date=day)
    return replace(draft, **fields)  # type: ignore[arg-type]


def days(*offsets: int) -> list[date]:
    return [MONDAY + timedelta(days=offset) for offset in offsets]


async def streak(store: SqlStore, user: UserRef = ANN) -> tuple[int, int, int, date | None]:
    record = await store.get_streak(user)
    assert record is not None
    return record.current, record.longest, record.total_days, record.last_day


async def test_record_answer_round_trip_and_redelivery(store: SqlStore) -> None:
    prompt = await store.claim_daily_prompt(
        DailyPromptDraft(CHANNEL, MONDAY, 2, "chat", "2.1", "Which requirements?", AT + timedelta(hours=8))
    )
    assert prompt is not None
    thread = ThreadRef(CHANNEL, "1.0")
    message = MessageRef(CHANNEL, "1.5", thread)
    draft = answer("slack:T1:C1:1.5", message=message, prompt_id=prompt.id)

    recorded = await store.record_answer(draft)
    assert recorded is not None
    assert (recorded.member, recorded.text, recorded.event_key, recorded.created_at, recorded.local_date) == (
        ANN, draft.text, draft.event_key, draft.created_at, MONDAY)
    assert (recorded.message, recorded.prompt_id, recorded.interview_id, recorded.phase_index, recorded.withdrawn) == (
        message, prompt.id, None, None, False)

    assert await store.record_answer(draft) is None
    assert await store.record_answer(replace(draft, text="changed", local_date=MONDAY + timedelta(days=1))) is None
    assert await store.answers_for_prompt(prompt.id) == [recorded]
    assert await streak(store) == (1, 1, 1, MONDAY)


async def test_a_redelivery_writes_nothing_not_even_a_member(store: SqlStore) -> None:
    assert await store.record_answer(answer("e1")) is not None
    stranger = UserRef("slack", "U9", "T1", "Stranger")
    assert await store.record_answer(answer("e1", who=stranger)) is None
    assert await store.get_member(stranger) is None


async def test_record_answer_creates_a_missing_member(store: SqlStore) -> None:
    assert await store.get_member(BOB) is None
    assert await store.record_answer(answer("b1", who=BOB)) is not None
    member = await store.get_member(BOB)
    assert member is not None and member.ref == BOB


async def test_consecutive_days_gaps_and_repeats(store: SqlStore) -> None:
    for n, day in enumerate(days(0, 1, 2)):
        await store.record_answer(answer(f"a{n}", day))
    assert await streak(store) == (3, 3, 3, days(2)[0])
    await store.record_answer(answer("again", days(2)[0]))  # a second answer the same day counts once
    assert await streak(store) == (3, 3, 3, days(2)[0])
    await store.record_answer(answer("after-gap", days(5)[0]))
    assert await streak(store) == (1, 3, 4, days(5)[0])
    await store.record_answer(answer("next", days(6)[0]))
    assert await streak(store) == (2, 3, 5, days(6)[0])


async def test_a_day_arriving_out_of_order_is_recomputed(store: SqlStore) -> None:
    for n, day in enumerate(days(0, 1, 3, 4)):
        await store.record_answer(answer(f"a{n}", day))
    assert await streak(store) == (2, 2, 4, days(4)[0])
    await store.record_answer(answer("late", days(2)[0]))  # fills the gap: five days in a row
    assert await streak(store) == (5, 5, 5, days(4)[0])
    await store.record_answer(answer("older", days(-3)[0]))
    assert await streak(store) == (5, 5, 6, days(4)[0])


async def test_streaks_are_per_member(store: SqlStore) -> None:
    await store.record_answer(answer("a", days(0)[0]))
    await store.record_answer(answer("b", days(0)[0], who=BOB))
    await store.record_answer(answer("b2", days(1)[0], who=BOB))
    assert await streak(store, ANN) == (1, 1, 1, MONDAY)
    assert await streak(store, BOB) == (2, 2, 2, days(1)[0])


async def test_update_answer_text(store: SqlStore) -> None:
    recorded = await store.record_answer(answer("e1"))
    assert recorded is not None
    updated = await store.update_answer_text("e1", "better answer")
    assert updated == replace(recorded, text="better answer")
    assert await store.update_answer_text("missing", "x") is None


async def test_withdrawing_the_only_answer_of_a_day_drops_the_day(store: SqlStore) -> None:
    for n, day in enumerate(days(0, 1, 2)):
        await store.record_answer(answer(f"a{n}", day))
    withdrawn = await store.withdraw_answer("a1")  # the middle day: the streak splits
    assert withdrawn is not None and withdrawn.withdrawn
    assert await streak(store) == (1, 1, 2, days(2)[0])
    again = await store.withdraw_answer("a1")
    assert again == withdrawn
    assert await streak(store) == (1, 1, 2, days(2)[0])
    assert await store.withdraw_answer("missing") is None

    await store.withdraw_answer("a2")
    assert await streak(store) == (1, 1, 1, MONDAY)
    await store.withdraw_answer("a0")
    assert await streak(store) == (0, 0, 0, None)
    # answering again on a withdrawn day counts it again
    await store.record_answer(answer("a1-again", days(1)[0]))
    assert await streak(store) == (1, 1, 1, days(1)[0])


async def test_withdrawing_one_of_two_answers_keeps_the_day(store: SqlStore) -> None:
    await store.record_answer(answer("first"))
    await store.record_answer(answer("second"))
    await store.withdraw_answer("first")
    assert await streak(store) == (1, 1, 1, MONDAY)
    await store.withdraw_answer("second")
    assert await streak(store) == (0, 0, 0, None)


async def test_answers_for_phase_oldest_first_including_withdrawn(store: SqlStore) -> None:
    interview = await store.create_interview(
        InterviewDraft(CHANNEL, ANN, "chat", 45, (Phase(0, 60), Phase(1, 60)), AT),
        changes=InterviewChanges(status="active", phase_index=0),
    )
    later = await store.record_answer(
        answer("p0-later", interview_id=interview.id, phase_index=0, created_at=AT + timedelta(seconds=30))
    )
    earlier = await store.record_answer(answer("p0-earlier", interview_id=interview.id, phase_index=0))
    other = await store.record_answer(answer("p1", interview_id=interview.id, phase_index=1))
    assert later and earlier and other
    await store.withdraw_answer("p0-later")
    phase0 = await store.answers_for_phase(interview.id, 0)
    assert [(a.event_key, a.withdrawn) for a in phase0] == [("p0-earlier", False), ("p0-later", True)]
    assert [a.id for a in await store.answers_for_phase(interview.id, 1)] == [other.id]
    assert await store.answers_for_phase(interview.id, 2) == []
    assert await streak(store) == (1, 1, 1, MONDAY)


async def test_concurrent_redeliveries_record_once(store_factory: StoreFactory) -> None:
    stores = [store_factory(), store_factory()]
    results = await asyncio.gather(*(stores[n % 2].record_answer(answer("same")) for n in range(6)))
    assert sum(r is not None for r in results) == 1
    assert await streak(stores[0]) == (1, 1, 1, MONDAY)


async def test_concurrent_answers_of_one_member_keep_the_streak_consistent(store_factory: StoreFactory) -> None:
    stores = [store_factory(), store_factory()]
    drafts = [answer(f"d{n}", day) for n, day in enumerate(days(*range(8)))]
    results = await asyncio.gather(*(stores[n % 2].record_answer(d) for n, d in enumerate(drafts)))
    assert all(r is not None for r in results)
    assert await streak(stores[0]) == (8, 8, 8, days(7)[0])


# ------------------------------------------------------------------------------------ scores
def card(section: int, score: float, *, llm: bool = False, tokens: tuple[int, int] = (0, 0)) -> ScoreCard:
    return ScoreCard(
        section=section,
        scorer="llm" if llm else "offline",
        score=score,
        verdicts=(ItemVerdict("1.1", "covered", "we shorten"), ItemVerdict("1.2", "missing")),
        feedback="Good scope.",
        follow_up="What about abuse?" if llm else "",
        model="gpt-x" if llm else "",
        prompt_tokens=tokens[0],
        completion_tokens=tokens[1],
        fallback_reason="" if llm else "timeout",
    )


async def test_scores_for_interview_keep_the_latest_card_per_phase(store: SqlStore) -> None:
    interview = await store.create_interview(
        InterviewDraft(CHANNEL, ANN, "chat", 45, (Phase(0, 60), Phase(1, 60)), AT),
        changes=InterviewChanges(status="active", phase_index=0),
    )
    first, better, phase1 = card(0, 4.0), card(0, 7.5, llm=True, tokens=(100, 20)), card(1, 6.0)
    await store.save_score(ScoreDraft(first, interview_id=interview.id, phase_index=0, created_at=AT))
    await store.save_score(ScoreDraft(better, interview_id=interview.id, phase_index=0,
                                      created_at=AT + timedelta(minutes=1)))
    await store.save_score(ScoreDraft(phase1, interview_id=interview.id, phase_index=1))  # wall-clock stamp
    assert await store.scores_for_interview(interview.id) == {0: better, 1: phase1}
    assert await store.scores_for_interview(interview.id + 1) == {}


async def test_usage_totals(store: SqlStore) -> None:
    assert await store.usage_totals() == UsageTotals()
    recorded = await store.record_answer(answer("e1"))
    assert recorded is not None
    await store.save_score(ScoreDraft(card(3, 5.0, llm=True, tokens=(100, 10)), answer_id=recorded.id))
    await store.save_score(ScoreDraft(card(3, 6.0, llm=True, tokens=(50, 5)), answer_id=recorded.id))
    await store.save_score(ScoreDraft(card(4, 7.0, llm=True, tokens=(7, 3)), answer_id=recorded.id))
    await store.save_score(ScoreDraft(card(4, 2.0), answer_id=recorded.id))
    totals = await store.usage_totals()
    assert (totals.scored_sections, totals.llm_sections, totals.prompt_tokens, totals.completion_tokens) == (
        4, 3, 157, 18)
    assert totals.per_section == {3: (2, 150, 15), 4: (1, 7, 3)}
    assert totals.fallbacks == {"timeout": 1}


async def test_get_streak_names_the_member(store: SqlStore) -> None:
    await store.record_answer(answer("e1"))
    assert await store.get_streak(UserRef("slack", "U1", "T1")) == StreakRecord(ANN, 1, 1, 1, MONDAY)
