"""This process's lease: taken once, renewed when a renewal is due, replaced if it is gone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.leases import LEASE_SECONDS, RENEW_SECONDS, Lease
from bot.scheduling.clock import FakeClock
from tests.fakes.outbox import FakeOutbox

START = datetime(2026, 3, 2, 9, tzinfo=UTC)


def lease() -> tuple[Lease, FakeOutbox, FakeClock]:
    store, clock = FakeOutbox(), FakeClock(START)
    return Lease(store=store, clock=clock, holder="host:1"), store, clock


async def test_taken_on_first_use_and_renewed_only_when_a_renewal_is_due() -> None:
    mine, store, clock = lease()
    first = await mine.current()
    assert store.leases == {first: START + timedelta(seconds=LEASE_SECONDS)}
    clock.advance(seconds=RENEW_SECONDS - 1)
    assert await mine.current() == first
    assert store.leases[first] == START + timedelta(seconds=LEASE_SECONDS)  # not renewed yet: no write
    clock.advance(seconds=1)
    assert await mine.current() == first
    assert store.leases[first] == clock.now() + timedelta(seconds=LEASE_SECONDS)


async def test_a_lease_that_is_gone_is_replaced_and_one_given_up_is_taken_anew() -> None:
    mine, store, clock = lease()
    first = await mine.current()
    await store.drop_lease(first)  # an operator cleaned up, say
    clock.advance(seconds=RENEW_SECONDS)
    second = await mine.current()
    assert second != first and second in store.leases
    await mine.release()
    assert second not in store.leases and mine.lease_id is None
    assert await mine.current() not in (first, second)


async def test_renew_moves_the_expiry_on_from_now() -> None:
    mine, store, clock = lease()
    number = await mine.current()
    clock.advance(seconds=2)
    await mine.renew()
    assert store.leases[number] == clock.now() + timedelta(seconds=LEASE_SECONDS)
