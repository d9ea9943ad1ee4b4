"""APScheduler in process is only the clock: every tick asks the service what is due.

Nothing about what is due lives in APScheduler's memory or job store; the rows in our
own tables are the truth, so several processes can tick the same database safely.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.errors import new_error_id

log = logging.getLogger(__name__)

STOP_TIMEOUT_SECONDS = 10.0


class Ticker:
    def __init__(self, tick: Callable[[], Awaitable[None]], *, interval_seconds: float,
                 housekeeping: Callable[[], Awaitable[object]] | None = None) -> None:
        self._tick = tick
        self._housekeeping = housekeeping
        self._running: set[asyncio.Task[object]] = set()
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

    async def _safe_tick(self) -> None:
        await self._guarded(self._tick, "scheduler tick")

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
