"""The outbox: dedupe, claims (never twice), leases, retries, dead rows; inbound events."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.core.records import OutboxDraft
from bot.core.refs import ChannelRef, MessageRef, ThreadRef
from bot.storage.repository import SqlStore
from tests.leasing import claim, left_over
from tests.storage.conftest import StoreFactory

CHANNEL = ChannelRef("slack", "C1", "T1")
THREAD = ThreadRef(CHANNEL, "1.0")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def draft(key: str, *, where: ChannelRef | ThreadRef = THREAD, subject: int | None = None) -> OutboxDraft:
    return OutboxDraft(where, f"text {key}", "notice", key, payload='{"n": 1}', subject_id=subject)


async def test_enqueue_round_trip_and_dedupe(store: SqlStore) -> None:
    await store.enqueue([draft("a", subject=7), draft("b", where=CHANNEL)])
    await store.enqueue([draft("a"), draft("c"), draft("c")])  # existing and repeated keys are ignored
    await store.enqueue([])
    rows = await claim(store, NOW)
    assert [(r.dedupe_key, r.target, r.subject_id, r.attempts) for r in rows] == [
        ("a", THREAD, 7, 1), ("b", CHANNEL, None, 1), ("c", THREAD, None, 1)]
    first = rows[0]
    assert (first.text, first.purpose, first.payload) == ("text a", "notice", '{"n": 1}')
    assert first.created_at.tzinfo is not None


async def test_claims_oldest_first_and_never_twice(store: SqlStore) -> None:
    await store.enqueue([draft(str(n)) for n in range(5)])
    first = await claim(store, NOW, limit=2)
    second = await claim(store, NOW, limit=10)
    assert [r.dedupe_key for r in first] == ["0", "1"]
    assert [r.dedupe_key for r in second] == ["2", "3", "4"]
    assert await claim(store, NOW + timedelta(seconds=119)) == []


async def test_bulk_rows_are_claimed_after_every_other_waiting_row(store: SqlStore) -> None:
    prompts = [OutboxDraft(ChannelRef("slack", f"C{n}", "T1"), "prompt", "prompt", f"p{n}") for n in range(30)]
    await store.enqueue(prompts[:20])
    await store.enqueue([draft("phase"), draft("nudge")])
    await store.enqueue(prompts[20:])
    first = await claim(store, NOW, limit=5, bulk={"prompt"})
    assert [r.dedupe_key for r in first] == ["p0", "p1", "p2", "phase", "nudge"]  # in id order once claimed
    rest = await claim(store, NOW, limit=100, bulk={"prompt"})
    assert [r.dedupe_key for r in rest] == [f"p{n}" for n in range(3, 30)]
    assert [r.dedupe_key for r in first if r.purpose != "prompt"] == ["phase", "nudge"]


async def test_a_claim_is_held_while_its_lease_lives_and_free_at_once_when_it_expires(store: SqlStore) -> None:
    await store.enqueue([draft("a")])
    dead = await store.take_lease("killed process", now=NOW, expires_at=NOW + timedelta(seconds=15))
    live = await store.take_lease("replica", now=NOW, expires_at=NOW + timedelta(hours=1))
    (claimed,) = await store.claim_outbox(NOW, lease=dead)
    assert await store.claim_outbox(NOW + timedelta(seconds=14), lease=live) == []  # its owner may be sending
    assert await store.renew_lease(dead, expires_at=NOW + timedelta(seconds=30))  # renewed: still held
    assert await store.claim_outbox(NOW + timedelta(seconds=29), lease=live) == []
    (again,) = await store.claim_outbox(NOW + timedelta(seconds=30), lease=live)  # expired: free at once
    assert (again.id, again.attempts) == (claimed.id, 2)
    # now held under the live lease: nobody else takes it, however long it takes
    other = await store.take_lease("third", now=NOW, expires_at=NOW + timedelta(days=2))
    assert await store.claim_outbox(NOW + timedelta(minutes=50), lease=other) == []


async def test_a_row_waiting_for_its_retry_holds_back_the_later_rows_of_its_thread(store: SqlStore) -> None:
    elsewhere = ChannelRef("slack", "C2", "T1")
    await store.enqueue([draft("a"), draft("b"), draft("c", where=elsewhere)])
    first, second, other = await claim(store, NOW)
    await store.mark_failed(first.id, error="timeout", retry_at=NOW + timedelta(seconds=10))
    await store.release_outbox([second.id])  # the dispatcher hands back what it had not sent after it
    await store.mark_sent(other.id, message=MessageRef(elsewhere, "2.0"))
    await store.enqueue([draft("d", where=elsewhere), draft("e")])
    assert [r.dedupe_key for r in await claim(store, NOW + timedelta(seconds=5))] == ["d"]  # not b, not e
    assert [r.dedupe_key for r in await claim(store, NOW + timedelta(seconds=10))] == ["a", "b", "e"]


async def test_a_claim_whose_lease_was_given_up_is_free_at_once(store: SqlStore) -> None:
    await store.enqueue([draft("a"), draft("b")])
    leaving = await store.take_lease("stopping", now=NOW, expires_at=NOW + timedelta(hours=1))
    staying = await store.take_lease("staying", now=NOW, expires_at=NOW + timedelta(hours=1))
    assert len(await store.claim_outbox(NOW, lease=leaving)) == 2
    await store.drop_lease(leaving)
    assert not await store.renew_lease(leaving, expires_at=NOW + timedelta(hours=2))
    assert [r.dedupe_key for r in await store.claim_outbox(NOW, lease=staying)] == ["a", "b"]


async def test_expired_leases_are_pruned_and_live_ones_kept(store: SqlStore) -> None:
    old = await store.take_lease("old", now=NOW, expires_at=NOW + timedelta(seconds=15))
    current = await store.take_lease("current", now=NOW, expires_at=NOW + timedelta(days=3))
    assert await store.prune_leases(expired_before=NOW + timedelta(days=1)) == 1
    assert not await store.renew_lease(old, expires_at=NOW + timedelta(days=4))
    assert await store.renew_lease(current, expires_at=NOW + timedelta(days=4))


async def test_mark_sent_finishes_a_row(store: SqlStore) -> None:
    await store.enqueue([draft("a")])
    (row,) = await claim(store, NOW)
    await store.mark_sent(row.id, message=MessageRef(CHANNEL, "1.1", THREAD))
    assert await left_over(store, NOW + timedelta(days=1)) == []
    await store.enqueue([draft("a")])  # the dedupe key outlives the send
    assert await left_over(store, NOW + timedelta(days=1)) == []


async def test_mark_failed_retries_at_the_given_time_then_dies(store: SqlStore) -> None:
    await store.enqueue([draft("a")])
    (row,) = await claim(store, NOW)
    await store.mark_failed(row.id, error="boom", retry_at=NOW + timedelta(seconds=10))
    assert await claim(store, NOW + timedelta(seconds=9)) == []
    (retry,) = await claim(store, NOW + timedelta(seconds=10))
    assert (retry.id, retry.attempts) == (row.id, 2)
    await store.mark_failed(row.id, error="boom again", retry_at=None)
    assert await left_over(store, NOW + timedelta(days=30)) == []


async def test_concurrent_claimers_split_the_rows(store_factory: StoreFactory) -> None:
    stores = [store_factory(), store_factory()]
    await stores[0].enqueue([draft(str(n)) for n in range(40)])
    batches = await asyncio.gather(*(claim(stores[n % 2], NOW, limit=7) for n in range(8)))
    claimed = [row.id for batch in batches for row in batch]
    assert len(claimed) == len(set(claimed)) == 40


async def test_two_processes_claiming_one_row_exactly_one_wins(store_factory: StoreFactory) -> None:
    first, second = store_factory(), store_factory()
    for n in range(10):
        await first.enqueue([draft(f"row{n}")])
        results = await asyncio.gather(claim(first, NOW), claim(second, NOW))
        assert sorted(len(r) for r in results) == [0, 1]


async def test_remember_event_once_per_platform(store: SqlStore) -> None:
    assert await store.remember_event("slack", "Ev1", now=NOW)
    assert not await store.remember_event("slack", "Ev1", now=NOW + timedelta(seconds=5))
    assert await store.remember_event("discord", "Ev1", now=NOW)


async def test_concurrent_redeliveries_are_remembered_once(store_factory: StoreFactory) -> None:
    stores = [store_factory(), store_factory()]
    results = await asyncio.gather(*(stores[n % 2].remember_event("slack", "Ev1", now=NOW) for n in range(6)))
    assert sorted(results) == [False] * 5 + [True]


async def test_prune_events_forgets_old_keys(store: SqlStore) -> None:
    await store.remember_event("slack", "old", now=NOW - timedelta(days=4))
    await store.remember_event("slack", "new", now=NOW)
    assert await store.prune_events(older_than=NOW - timedelta(days=3)) == 1
    assert await store.prune_events(older_than=NOW - timedelta(days=3)) == 0
    assert await store.remember_event("slack", "old", now=NOW)
    assert not await store.remember_event("slack", "new", now=NOW)
