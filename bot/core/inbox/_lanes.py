"""Lanes: inbound work after its ack, on a pool of workers, in arrival order per key.

The inbox writes an item, the adapter acks, then the item's job is submitted keyed by where
it happens (a thread, a user's command). Jobs with the same key run one after another, so an answer and the ``next``
that follows it are handled in the order they were written; different keys run side
by side on ``workers`` tasks, which also bounds how much post-ack work competes with
the acks on the event loop.

Acks come first: while requests keep arriving (a job submitted within the last
``ACK_QUIET`` seconds), a worker holds off starting its next job, for at most
``MAX_DEFER`` seconds. A burst of slash commands is acked at the bare app's pace and
its work runs right after; at a normal rate nothing waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import zlib
from collections.abc import Awaitable, Callable

from bot.core.errors import new_error_id

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]

ACK_QUIET = 0.005
"""Seconds without a new submission that count as a pause in the acks."""
MAX_DEFER = 2.0
"""The longest a job waits for such a pause: longer than a burst of a few thousand commands takes to
ack, and only ever reached under a steady stream of hundreds of requests a second (Slack's
deadline is for the ack, not for this work)."""


class Lanes:
    def __init__(self, workers: int = 32) -> None:
        if workers < 1:
            raise ValueError("need at least one worker")
        self._queues: list[asyncio.Queue[tuple[str, Job]]] = [asyncio.Queue() for _ in range(workers)]
        self._tasks: list[asyncio.Task[None]] = []
        self.submitted = 0
        self.processed = 0
        self._last_submit = float("-inf")
        self._changed = asyncio.Condition()

    def start(self) -> None:
        if not self._tasks:
            self._tasks = [asyncio.create_task(self._run(q), name=f"inbox-lane-{n}")
                           for n, q in enumerate(self._queues)]

    def submit(self, key: str, job: Job, *, what: str) -> None:
        """Queue ``job``; never blocks (the ack path calls it)."""
        self.submitted += 1
        self._last_submit = asyncio.get_running_loop().time()
        queue = self._queues[zlib.crc32(key.encode()) % len(self._queues)]
        queue.put_nowait((what, job))

    async def _run(self, queue: asyncio.Queue[tuple[str, Job]]) -> None:
        while True:
            what, job = await queue.get()
            try:
                await self._after_acks()
                await job()
            except asyncio.CancelledError:
                raise
            except Exception:
                # Jobs wrap core calls in guarded(); this catches the adapter's own mistakes.
                log.exception("error %s in inbound job %s", new_error_id(), what)
            finally:
                queue.task_done()
                self.processed += 1
                async with self._changed:
                    self._changed.notify_all()

    async def _after_acks(self) -> None:
        """Wait for a pause in the acks (a debounce: it waits for events to stop, which an Event
        cannot say, hence the timed loop), or ``MAX_DEFER`` at most."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + MAX_DEFER
        while (quiet_in := self._last_submit + ACK_QUIET - loop.time()) > 0 and loop.time() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(min(quiet_in, deadline - loop.time()))

    async def wait_processed(self, count: int, *, within: float = 10.0) -> None:
        """Wait until at least ``count`` jobs have finished (tests and benchmarks)."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(lambda: self.processed >= count)

    async def join(self, *, within: float | None = None) -> bool:
        """Wait for every queued job; False if ``within`` seconds ran out first."""
        try:
            async with asyncio.timeout(within):
                await asyncio.gather(*(q.join() for q in self._queues))
        except TimeoutError:
            return False
        return True

    async def stop(self, *, drain_seconds: float = 10.0) -> None:
        """Finish queued work (up to ``drain_seconds``), then stop the workers."""
        if self._tasks and not await self.join(within=drain_seconds):
            left = sum(q.qsize() for q in self._queues)
            log.warning("stopping with %d inbound jobs unfinished", left)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    @property
    def backlog(self) -> int:
        return sum(q.qsize() for q in self._queues)
