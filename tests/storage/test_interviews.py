"""Interviews: creation, lookups, versioned transitions and what the clock must look at."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.core.records import InterviewChanges, InterviewDraft, OutboxDraft, Phase
from bot.core.refs import ChannelRef, MessageRef, ThreadRef, UserRef
from bot.storage.repository import SqlStore
from tests.leasing import claim
from tests.storage.conftest import StoreFactory

CHANNEL = ChannelRef("discord", "100", "G1")
ANN = UserRef("discord", "7", "G1", "Ann")
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PHASES = (Phase(0, 60), Phase(1, 300), Phase(2, 300))
DRAFT = InterviewDraft(CHANNEL, ANN, "url-shortener", 45, PHASES, START)
THREAD = ThreadRef(CHANNEL, "555")


def opening(index: int, phase: int = 0) -> InterviewChanges:
    return InterviewChanges(
        status="active", phase_index=phase, phase_started_at=START + timedelta(minutes=index),
        phase_deadline_at=START + timedelta(minutes=index + 1), nudge_at=START + timedelta(minutes=index, seconds=45),
        nudged=False, thread=THREAD,
    )


async def test_create_and_read_back(store: SqlStore) -> None:
    post = OutboxDraft(THREAD, "phase 0", "phase", "iv:open:0")
    created = await store.create_interview(DRAFT, changes=opening(0), outbox=lambda _: [post])
    assert (created.channel, created.candidate, created.scenario_id, created.total_minutes) == (
        CHANNEL, ANN, "url-shortener", 45)
    assert (created.phases, created.status, created.phase_index, created.version) == (PHASES, "active", 0, 1)
    assert (created.phase_started_at, created.phase_deadline_at, created.nudge_at, created.nudged) == (
        START, START + timedelta(minutes=1), START + timedelta(seconds=45), False)
    assert (created.hints_used, created.skipped, created.thread, created.started_at) == ((), (), THREAD, START)
    assert await store.get_interview(created.id) == created
    assert await store.get_interview(created.id + 1) is None

    rows = await claim(store, START)
    assert [(r.dedupe_key, r.subject_id, r.target) for r in rows] == [("iv:open:0", created.id, THREAD)]
    member = await store.get_member(ANN)
    assert member is not None and member.ref == ANN


async def test_lookups_by_candidate_thread_and_message(store: SqlStore) -> None:
    created = await store.create_interview(DRAFT, changes=opening(0))
    assert await store.active_interview(ANN) == created
    assert await store.active_interview(UserRef("discord", "7", "G2")) is None
    assert await store.interview_by_thread(THREAD) == created
    assert await store.interview_by_thread(ThreadRef(CHANNEL, "556")) is None
    # a message inside the thread, and the root message the thread was started from
    assert await store.interview_by_message(MessageRef(CHANNEL, "999", THREAD)) == created
    assert await store.interview_by_message(MessageRef(CHANNEL, THREAD.thread_id)) == created
    assert await store.interview_by_message(MessageRef(CHANNEL, "998")) is None


async def test_transition_needs_the_expected_version(store: SqlStore) -> None:
    created = await store.create_interview(DRAFT, changes=opening(0))
    hint = InterviewChanges(hints_used=("1.2",))
    moved = await store.transition_interview(
        created.id, expected_version=1, changes=hint, outbox=[OutboxDraft(THREAD, "hint", "notice", "hint:1.2")]
    )
    assert moved is not None
    assert (moved.version, moved.hints_used, moved.phase_index) == (2, ("1.2",), 0)
    assert moved.phase_deadline_at == created.phase_deadline_at  # untouched fields stay

    stale = await store.transition_interview(
        created.id, expected_version=1, changes=InterviewChanges(hints_used=("x",)),
        outbox=[OutboxDraft(THREAD, "lost", "notice", "hint:x")],
    )
    assert stale is None
    assert await store.transition_interview(10_000, expected_version=1, changes=hint) is None
    assert [r.dedupe_key for r in await claim(store, START)] == ["hint:1.2"]  # the loser enqueued nothing
    assert await store.get_interview(created.id) == moved


async def test_finishing_clears_deadlines_and_ends_the_active_interview(store: SqlStore) -> None:
    created = await store.create_interview(DRAFT, changes=opening(0))
    nudged = await store.transition_interview(created.id, expected_version=1, changes=InterviewChanges(nudged=True))
    assert nudged is not None and nudged.nudged
    skipped = await store.transition_interview(
        created.id, expected_version=2, changes=replace(opening(1, phase=1), skipped=(0,))
    )
    assert skipped is not None
    assert (skipped.phase_index, skipped.skipped, skipped.nudged) == (1, (0,), False)
    finished = await store.transition_interview(
        created.id, expected_version=3,
        changes=InterviewChanges(status="finished", phase_index=len(PHASES), clear_deadlines=True),
    )
    assert finished is not None
    assert (finished.status, finished.phase_index, finished.phase_deadline_at, finished.nudge_at) == (
        "finished", 3, None, None)
    assert finished.current_phase is None
    assert await store.active_interview(ANN) is None
    assert await store.interview_by_thread(THREAD) == finished  # the thread stays a discussion


async def test_due_interviews_by_deadline_or_unsent_nudge(store: SqlStore) -> None:
    first = await store.create_interview(DRAFT, changes=opening(0))
    bob = UserRef("discord", "8", "G1", "Bob")
    second = await store.create_interview(
        replace(DRAFT, candidate=bob), changes=replace(opening(10), thread=ThreadRef(CHANNEL, "777"))
    )
    assert await store.due_interviews(START + timedelta(seconds=44)) == []
    # the nudge (45 s) is due before the deadline (60 s)
    assert [i.id for i in await store.due_interviews(START + timedelta(seconds=45))] == [first.id]
    nudged = await store.transition_interview(first.id, expected_version=1, changes=InterviewChanges(nudged=True))
    assert nudged is not None
    assert await store.due_interviews(START + timedelta(seconds=59)) == []
    assert [i.id for i in await store.due_interviews(START + timedelta(minutes=1))] == [first.id]
    later = START + timedelta(hours=1)
    assert [i.id for i in await store.due_interviews(later)] == [first.id, second.id]
    assert [i.id for i in await store.due_interviews(later, limit=1)] == [first.id]
    await store.transition_interview(first.id, expected_version=2,
                                     changes=InterviewChanges(status="ended", clear_deadlines=True))
    assert [i.id for i in await store.due_interviews(later)] == [second.id]


async def test_one_transition_wins_across_processes(store_factory: StoreFactory) -> None:
    first, second = store_factory(), store_factory()
    created = await first.create_interview(DRAFT, changes=opening(0))
    version = created.version
    for step in range(1, 6):
        results = await asyncio.gather(
            *(s.transition_interview(
                created.id, expected_version=version, changes=opening(step, phase=step % 3),
                outbox=[OutboxDraft(THREAD, f"phase {step} by {n}", "phase", f"iv:{step}:{n}")],
            ) for n, s in enumerate((first, second, first, second)))
        )
        winners = [r for r in results if r is not None]
        assert len(winners) == 1
        assert winners[0].version == version + 1
        version = winners[0].version
    rows = await claim(first, START, limit=100)
    assert len(rows) == 5
    assert len({row.dedupe_key.split(":")[1] for row in rows}) == 5  # one row per step, from its winner


async def test_one_active_interview_per_candidate_even_when_two_commands_race(
    store_factory: StoreFactory,
) -> None:
    first, second = store_factory(), store_factory()
    results = await asyncio.gather(
        first.create_interview(DRAFT, changes=opening(0)),
        second.create_interview(DRAFT, changes=opening(0)),
    )
    assert sum(r is not None for r in results) == 1
    winner = next(r for r in results if r is not None)
    await first.transition_interview(winner.id, expected_version=winner.version,
                                     changes=InterviewChanges(status="finished", clear_deadlines=True))
    assert await second.create_interview(DRAFT, changes=opening(0)) is not None  # finished ones don't count
