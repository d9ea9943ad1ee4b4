"""APScheduler in process is only the clock: every tick asks the service what is due.

Nothing about what is due lives in APScheduler's memory or job store; the rows in our
own tables are the truth, so several processes can tick the same database safely.

The clock sleeps until the next due row: after each tick it asks when that is (``due``) and
sets a one-off job for that moment; ``wake()`` (called after a person's command, message or
click) asks again at once, so a deadline written by this process is never waited for. The
interval job is the safety poll that finds what other replicas wrote.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.errors import new_error_id

log = logging.getLogger(__name__)

STOP_TIMEOUT_SECONDS = 10.0


WAKE_DEBOUNCE_SECONDS = 0.05
"""Wakes within this long of each other share one look at the next due time."""
OVERDUE_RETRY_SECONDS = 1.0
"""Work still due right after a tick is looked at again this much later."""


class Ticker:
    def __init__(self, tick: Callable[[], Awaitable[None]], *, interval_seconds: float,
                 housekeeping: Callable[[], Awaitable[object]] | None = None,
                 due: Callable[[], Awaitable[datetime | None]] | None = None,
                 on_tick: Callable[[float, float | None], None] | None = None) -> None:
        """``on_tick(seconds, lateness)`` is told how long each tick took and, for a tick planned for a
        due moment, how long after that moment it began (metrics)."""
        self._tick = tick
        self._on_tick = on_tick
        self._housekeeping = housekeeping
        self._due = due
        self._running: set[asyncio.Task[object]] = set()
        self._lock = asyncio.Lock()
        """One tick at a time: the interval job and the next-due job never overlap."""
        self._waking: asyncio.Task[None] | None = None
        self._ticked_at: datetime | None = None
        """When the last tick began."""
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self._scheduler.add_job(
            self._safe_tick, "interval", seconds=interval_seconds, id="tick",
            max_instances=1, coalesce=True, misfire_grace_time=None,
        )
        if housekeeping is not None:
            self._scheduler.add_job(
                self._safe_housekeeping, "interval", hours=6, id="housekeeping",
                max_instances=1, coalesce=True, misfire_grace_time=None,
            )

    async def _guarded(self, work: Callable[[], Awaitable[object]], what: str) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await work()
        except asyncio.CancelledError:
            log.debug("%s cancelled at shutdown", what)
        except Exception:
            log.exception("error %s in %s; the next tick retries", new_error_id(), what)
        finally:
            if task is not None:
                self._running.discard(task)

    async def _safe_tick(self, planned: datetime | None = None) -> None:
        async with self._lock:
            self._ticked_at = datetime.now(UTC)
            started = time.monotonic()
            await self._guarded(self._tick, "scheduler tick")
            if self._on_tick is not None:
                lateness = (self._ticked_at - planned).total_seconds() if planned is not None else None
                self._on_tick(time.monotonic() - started, lateness)
        await self._guarded(self._plan, "reading the next due time")

    async def _plan(self) -> None:
        """Set the one-off job for the next due moment, when it comes before the next poll."""
        if self._due is None or not self._scheduler.running:
            return
        moment = await self._due()
        if moment is None:
            return
        poll = self._scheduler.get_job("tick")
        if poll is not None and poll.next_run_time is not None and poll.next_run_time <= moment:
            return  # the safety poll comes first anyway
        # Due since before the last tick began and still due: that tick could not move it on (a row that
        # fails, or more than one tick takes): again shortly, not in a tight loop. What became due while
        # the tick ran is due now.
        if self._ticked_at is not None and moment <= self._ticked_at:
            moment = datetime.now(UTC) + timedelta(seconds=OVERDUE_RETRY_SECONDS)
        self._scheduler.add_job(
            self._safe_tick, "date", run_date=moment, kwargs={"planned": moment},
            id="due", replace_existing=True, misfire_grace_time=None, coalesce=True,
            max_instances=2,  # planned from inside the running due tick; the lock keeps ticks one at a time
        )

    def wake(self) -> None:
        """Something may be due earlier than planned: look again (soon, once for a burst of wakes)."""
        if self._due is None or (self._waking is not None and not self._waking.done()):
            return

        async def look() -> None:
            await asyncio.sleep(WAKE_DEBOUNCE_SECONDS)
            await self._guarded(self._plan, "reading the next due time")

        self._waking = asyncio.get_running_loop().create_task(look())

    async def _safe_housekeeping(self) -> None:
        if self._housekeeping is not None:
            await self._guarded(self._housekeeping, "housekeeping")

    async def tick_now(self) -> None:
        """One guarded tick right away (start-up: overdue work resumes within seconds)."""
        await self._safe_tick()

    def start(self) -> None:
        self._scheduler.start()

    async def stop(self) -> None:
        """Stop ticking and let a tick in flight finish (its transaction must not lose its engine)."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        if self._running:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*self._running, return_exceptions=True),
                                       timeout=STOP_TIMEOUT_SECONDS)
