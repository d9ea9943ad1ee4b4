"""The clock sleeps until the next due row, and a wake makes it look again at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from bot.scheduling.ticker import Ticker


class Ticks:
    def __init__(self) -> None:
        self.count = 0
        self.happened = asyncio.Event()
        self.due: datetime | None = None

    async def tick(self) -> None:
        self.count += 1
        self.happened.set()

    async def next_due(self) -> datetime | None:
        return self.due

    async def next_tick(self, *, within: float = 5.0) -> None:
        self.happened.clear()
        await asyncio.wait_for(self.happened.wait(), within)


@asynccontextmanager
async def running(ticks: Ticks) -> AsyncIterator[Ticker]:
    """A ticker whose safety poll is an hour away: any tick sooner came from planning."""
    ticker = Ticker(ticks.tick, interval_seconds=3600, due=ticks.next_due)
    ticker.start()
    try:
        yield ticker
    finally:
        await ticker.stop()


async def test_a_tick_comes_at_the_next_due_moment_not_at_the_next_poll() -> None:
    ticks = Ticks()
    async with running(ticks) as ticker:
        ticks.due = datetime.now(UTC) + timedelta(seconds=0.3)
        await ticker.tick_now()  # start-up's tick plans the next one
        assert ticks.count == 1
        await ticks.next_tick()  # long before the hourly poll
        assert ticks.count == 2


async def test_a_wake_after_new_work_looks_again_at_once() -> None:
    ticks = Ticks()
    async with running(ticks) as ticker:
        await ticker.tick_now()  # nothing due: only the hourly poll is planned
        ticks.due = datetime.now(UTC) + timedelta(seconds=0.2)  # a person started an interview
        ticker.wake()
        await ticks.next_tick()
        assert ticks.count == 2


async def test_work_still_due_after_a_tick_is_looked_at_again_shortly_not_in_a_loop() -> None:
    ticks = Ticks()
    async with running(ticks) as ticker:
        ticks.due = datetime.now(UTC) - timedelta(minutes=1)  # a row that keeps failing stays due
        started = asyncio.get_running_loop().time()
        await ticker.tick_now()
        await ticks.next_tick()
        assert asyncio.get_running_loop().time() - started >= 0.9
        assert ticks.count == 2
