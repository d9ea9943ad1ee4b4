"""APScheduler in process is only the clock: every tick asks the service what is due.

Nothing about what is due lives in APScheduler's memory or job store; the rows in our
own tables are the truth, so several processes can tick the same database safely.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.errors import new_error_id

log = logging.getLogger(__name__)


class Ticker:
    def __init__(self, tick: Callable[[], Awaitable[None]], *, interval_seconds: float,
                 housekeeping: Callable[[], Awaitable[object]] | None = None) -> None:
        self._tick = tick
        self._housekeeping = housekeeping
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

    async def _safe_tick(self) -> None:
        try:
            await self._tick()
        except Exception:
            log.exception("error %s in scheduler tick; the next tick retries", new_error_id())

    async def _safe_housekeeping(self) -> None:
        if self._housekeeping is None:
            return
        try:
            await self._housekeeping()
        except Exception:
            log.exception("error %s in housekeeping", new_error_id())

    def start(self) -> None:
        self._scheduler.start()

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
