"""Work that runs after the ack: a few workers, in arrival order per key, acks first.

A handler acks, then submits a job keyed by where it happens (a thread, a user's
command). Jobs with the same key run one after another, so an answer and the ``next``
that follows it are handled in the order they were written; different keys run side
by side on ``workers`` tasks, which also bounds how much post-ack work competes with
the acks on the event loop.

Acks come first in time as well: with an ``IngressMeter`` (HTTP mode), a worker starts
its next job only when no Slack request is waiting for its ack, or once the job has
waited ``max_defer`` seconds. A burst of requests (everyone answering the 9:30 prompt)
is acked at full speed and the work catches up right after, instead of every ack
queueing behind database and Web API work on the one event loop; the deferral bound
keeps a sustained stream from starving the work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import zlib
from collections.abc import Awaitable, Callable

from bot.core.errors import new_error_id

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]

DEFAULT_MAX_DEFER = 5.0


DEFAULT_SETTLE = 0.02
"""Quiet means no request in flight and none arrived for this long (a burst has gaps)."""


class IngressMeter:
    """How many Slack requests are between arrival and ack right now, and when the last came."""

    def __init__(self, *, settle: float = DEFAULT_SETTLE, now: Callable[[], float] = time.monotonic) -> None:
        self.in_flight = 0
        self.settle = settle
        self._now = now
        self._last_arrival = float("-inf")
        self._idle = asyncio.Event()
        self._idle.set()

    def enter(self) -> None:
        self.in_flight += 1
        self._last_arrival = self._now()
        self._idle.clear()

    def leave(self) -> None:
        self.in_flight -= 1
        if self.in_flight <= 0:
            self.in_flight = 0
            self._idle.set()

    async def quiet(self, *, within: float) -> bool:
        """Wait until no request is in flight and none arrived for ``settle`` seconds (True),
        or until ``within`` seconds passed (False)."""
        try:
            async with asyncio.timeout(within):
                while True:
                    await self._idle.wait()
                    calm_for = self._now() - self._last_arrival
                    if calm_for >= self.settle:
                        return True
                    await asyncio.sleep(self.settle - calm_for)
        except TimeoutError:
            return False


class KeyedWorkers:
    def __init__(self, workers: int = 8, *, ingress: IngressMeter | None = None,
                 max_defer: float = DEFAULT_MAX_DEFER) -> None:
        if workers < 1:
            raise ValueError("need at least one worker")
        self.ingress = ingress
        self.max_defer = max_defer
        self._queues: list[asyncio.Queue[tuple[str, Job, float]]] = [asyncio.Queue() for _ in range(workers)]
        self._tasks: list[asyncio.Task[None]] = []
        self.submitted = 0
        self.processed = 0
        self._changed = asyncio.Condition()

    def start(self) -> None:
        if not self._tasks:
            self._tasks = [asyncio.create_task(self._run(q), name=f"slack-worker-{n}")
                           for n, q in enumerate(self._queues)]

    def submit(self, key: str, job: Job, *, what: str) -> None:
        """Queue ``job``; never blocks (the ack path calls it)."""
        self.submitted += 1
        queue = self._queues[zlib.crc32(key.encode()) % len(self._queues)]
        queue.put_nowait((what, job, time.monotonic()))

    async def _run(self, queue: asyncio.Queue[tuple[str, Job, float]]) -> None:
        while True:
            what, job, submitted_at = await queue.get()
            try:
                if self.ingress is not None:
                    waited = time.monotonic() - submitted_at
                    await self.ingress.quiet(within=max(0.0, self.max_defer - waited))
                await job()
            except asyncio.CancelledError:
                raise
            except Exception:
                # Jobs wrap core calls in guarded(); this catches the adapter's own mistakes.
                log.exception("error %s in Slack job %s", new_error_id(), what)
            finally:
                queue.task_done()
                self.processed += 1
                async with self._changed:
                    self._changed.notify_all()

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
            log.warning("stopping with %d Slack jobs unfinished", left)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    @property
    def backlog(self) -> int:
        return sum(q.qsize() for q in self._queues)
