"""The outbox dispatcher: the only place scheduled messages are sent from.

Rows are claimed in the store under this process's lease before sending and marked
after, so a crash between the two re-sends at most once (as soon as the lease expires)
and two processes never both send a row. Cheap rows are sent in order, per thread; rows that need scoring
(which may call an LLM) run as background jobs so they never hold up a reply. How a
row is delivered is its kind's business (``OutboxKind``, registered by the capability
that creates the row): the dispatcher knows the outbox store, the chats and the clock.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from bot.core.batches import GroupCommit
from bot.core.chats import Chats
from bot.core.errors import new_error_id
from bot.core.leases import Lease
from bot.core.messages import OutMessage
from bot.core.metrics import NO_METRICS, Metrics
from bot.core.outbox._kinds import SENDING_KEY, OutboxKind, send
from bot.core.outbox.store import OutboxStore
from bot.core.ports import Chat, Clock
from bot.core.records import OutboxRecord
from bot.core.refs import MessageRef, channel_of

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
CLAIM_WINDOW = 100
"""Rows a process holds claimed at most (sending concurrently, in order per thread)."""
MARK_BATCH = 500
"""Rows marked sent in one transaction at most."""
MIN_WINDOW = 20
"""The window is twice the rows finished in the last second, within [MIN_WINDOW, CLAIM_WINDOW]: a
process that is being throttled holds about two seconds of work, and leaves the rest to the others."""


class Dispatcher:
    """Sends outbox rows from one background loop through a sliding window: up to ``CLAIM_WINDOW``
    claimed rows at a time, each thread's (or channel's) rows one after another in a lane of their
    own, lanes side by side. The window is refilled as rows finish, so one slow send never holds
    up the next claim. ``flush`` starts the loop if it is not running and waits for it."""

    def __init__(self, *, store: OutboxStore, chats: Chats, clock: Clock, lease: Lease,
                 kinds: Iterable[OutboxKind] = (), metrics: Metrics = NO_METRICS) -> None:
        self._store = store
        self._metrics = metrics
        self._lease = lease
        """Every claim names it: while this process renews it, nobody else takes the rows it holds."""
        self._chats = chats
        self._clock = clock
        self._kinds: dict[str, OutboxKind] = {}
        self._bulk: frozenset[str] = frozenset()
        """Purposes claimed only after every other waiting row (see ``OutboxKind.bulk``)."""
        for kind in kinds:
            self.register(kind)
        self._loop_task: asyncio.Task[None] | None = None
        self._failure: Exception | None = None
        """Why the loop last stopped short (a database error): flush waiters raise it."""
        self._again = False
        self._progress = asyncio.Event()
        """Set when a row finishes, a claim completes, the loop stops or someone asks for a flush."""
        self._claims = 0
        """Claims started so far (a flush waits for one that started after it was called)."""
        self._urgent_through = 0
        """The last claim after which no row other than bulk ones was left waiting in the store."""
        self._idle_through = 0
        """The last claim after which nothing was left to send (the loop went idle)."""
        self._jobs: set[asyncio.Task[None]] = set()
        self._job_locks: dict[str, tuple[asyncio.Lock, int]] = {}
        self._lanes: dict[str, deque[OutboxRecord]] = {}
        self._queued = 0
        """Cheap rows claimed and not yet finished (the window's fill)."""
        self._urgent_queued = 0
        """Of those, the ones that are not bulk rows."""
        self._finished: deque[float] = deque()
        """When rows finished in the last second (monotonic): the window follows the pace."""
        self._in_flight: set[int] = set()
        """Rows this process is working on: a re-claim of one of them (after this process's own lease
        lapsed, say while the database was away) must not run it twice."""
        self._lane_tasks: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._marks = GroupCommit(self._mark_sent_many, max_batch=MARK_BATCH, name="outbox-marks")
        self._unsent: list[int] = []
        """Rows claimed but never started when the dispatcher stopped: handed back to the store."""

    def register(self, kind: OutboxKind) -> None:
        """Say how rows of ``kind.purpose`` are delivered (each capability registers its own)."""
        if kind.purpose in self._kinds:
            raise ValueError(f"outbox kind {kind.purpose!r} is registered twice")
        self._kinds[kind.purpose] = kind
        self._bulk = frozenset(k.purpose for k in self._kinds.values() if k.bulk)

    def _background(self, row: OutboxRecord) -> bool:
        kind = self._kinds.get(row.purpose)
        return kind is not None and kind.background

    def _checks_itself(self, row: OutboxRecord) -> bool:
        kind = self._kinds.get(row.purpose)
        return kind is not None and kind.checks_sent

    async def stop(self) -> None:
        """Stop claiming, let each lane finish the row it is sending, and hand the rows it had not
        started back to the store (claimable at once by another replica or the next start, instead
        of after the lease expires). Background jobs are left to ``drain``."""
        self._stopping = True
        self._progress.set()
        while self._lane_tasks or self._loop_task is not None:
            tasks = [*self._lane_tasks, *([self._loop_task] if self._loop_task else [])]
            await asyncio.gather(*tasks, return_exceptions=True)
        unsent, self._unsent = self._unsent, []
        if unsent:
            await self._store.release_outbox(unsent)
            log.info("handed %d unsent outbox rows back to the store", len(unsent))

    async def flush(self, *, bulk: bool = True) -> None:
        """Send what is pending and return once it is sent. With ``bulk=False``, return once every
        row but bulk ones is sent: a reply to a person does not wait for a fan-out of daily prompts
        to thousands of channels that goes on meanwhile (those rows are claimed after it anyway)."""
        if self._stopping:
            return  # shutting down: what is pending stays in the store for the next start
        ticket = self._claims
        self.kick()
        while not (self._idle_through > ticket if bulk
                   else self._urgent_through > ticket and not self._urgent_queued):
            if self._loop_task is None:
                if self._stopping:
                    return
                raise self._failure or RuntimeError("the outbox dispatcher stopped")
            self._progress.clear()
            await self._progress.wait()

    def kick(self) -> None:
        """Make sure the sending loop runs and looks at the store again (the tick keeps claiming
        daily prompts meanwhile: a fan-out to many channels posts while it claims)."""
        self._again = True
        self._progress.set()
        if self._loop_task is None and not self._stopping:
            self._failure = None
            self._loop_task = asyncio.create_task(self._loop())
            self._track(self._loop_task)

    async def drain(self) -> None:
        """Wait for the loop and every background job (tests, shutdown)."""
        while self._jobs:
            await asyncio.gather(*list(self._jobs), return_exceptions=True)

    async def next_due(self) -> datetime | None:
        """When a row that waits for its retry becomes due (the clock wakes the loop then)."""
        return await self._store.next_retry_at()

    @property
    def busy(self) -> bool:
        return bool(self._jobs) or self._loop_task is not None

    async def _loop(self) -> None:
        try:
            while not self._stopping:
                asked, self._again = self._again, False
                room = self._room()
                if not room and not asked:
                    await self._until(lambda: self._room() > 0 or self._again or self._stopping)
                    continue
                # A full window still takes rows that are not bulk when someone asked (an
                # interview's next phase never waits for room behind a fan-out).
                limit = room or MIN_WINDOW
                self._claims += 1
                number = self._claims
                claimed = await self._store.claim_outbox(
                    self._clock.now(), lease=await self._lease.current(), limit=limit,
                    bulk=self._bulk, include_bulk=room > 0,
                )
                self._dispatch([row for row in claimed if row.id not in self._in_flight])
                if len(claimed) < limit or any(row.purpose in self._bulk for row in claimed):
                    self._urgent_through = number  # bulk rows are claimed only after all others
                    self._progress.set()
                if len(claimed) == limit:
                    continue  # more may be waiting: claim again as soon as there is room
                if not room:
                    continue  # back to waiting for room
                if not self._queued and not self._again:
                    self._idle_through = number
                    return
                # Nothing more to claim for now: wait for the lanes to finish, or for new work.
                await self._until(lambda: not self._queued or self._again or self._stopping)
        except Exception as exc:
            error_id = new_error_id()
            log.exception("error %s in the outbox dispatcher; it starts again on the next flush", error_id)
            self._failure = exc
        finally:
            self._loop_task = None  # set before anyone else runs: a kick from now on starts a new loop
            self._progress.set()

    def _room(self) -> int:
        """Rows to claim now: none until a quarter of the window is free (claims come in batches)."""
        cutoff = time.monotonic() - 1.0
        while self._finished and self._finished[0] < cutoff:
            self._finished.popleft()
        window = max(MIN_WINDOW, min(CLAIM_WINDOW, 2 * len(self._finished)))
        room = window - self._queued
        return room if room >= window // 4 or not self._queued else 0

    async def _until(self, done: Callable[[], bool]) -> None:
        while not done():
            self._progress.clear()
            await self._progress.wait()

    def _track(self, task: asyncio.Task[None]) -> None:
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)

    def _dispatch(self, rows: list[OutboxRecord]) -> None:
        for row in rows:
            self._in_flight.add(row.id)
            if self._background(row):
                self._track(asyncio.create_task(self._run_in_turn(row)))
                continue
            self._queued += 1
            self._urgent_queued += row.purpose not in self._bulk
            key = repr(row.target)
            lane = self._lanes.get(key)
            if lane is not None:
                lane.append(row)  # its lane is running: the row goes out after the earlier ones
            else:
                self._lanes[key] = deque([row])
                task = asyncio.create_task(self._run_lane(key))
                self._track(task)
                self._lane_tasks.add(task)
                task.add_done_callback(self._lane_tasks.discard)

    async def _run_lane(self, key: str) -> None:
        lane = self._lanes[key]
        try:
            while lane and not self._stopping:
                row = lane.popleft()
                try:
                    settled = await self._run(row)
                finally:
                    self._done(row)
                    self._finished.append(time.monotonic())
                if not settled and lane:
                    # It waits for a retry: the rows after it must not overtake it. They go back to
                    # the store, which holds them until the retry (see ``claim_outbox``).
                    held = list(lane)
                    lane.clear()
                    for later in held:
                        self._done(later)
                        self._in_flight.discard(later.id)
                    await self._store.release_outbox([later.id for later in held])
        finally:
            for row in lane:  # stopped (or cancelled) before they were sent
                self._done(row)
                self._in_flight.discard(row.id)
                self._unsent.append(row.id)
            del self._lanes[key]

    def _done(self, row: OutboxRecord) -> None:
        self._queued -= 1
        self._urgent_queued -= row.purpose not in self._bulk
        self._progress.set()

    async def _run_in_turn(self, row: OutboxRecord) -> None:
        """Background jobs for one thread run one after another, in claim order (asyncio locks are
        FIFO), so a phase's score never lands after the interview's scorecard."""
        key = repr(row.target)
        lock, users = self._job_locks.get(key, (asyncio.Lock(), 0))
        self._job_locks[key] = (lock, users + 1)
        try:
            async with lock:
                await self._run(row)
        finally:
            lock, users = self._job_locks[key]
            if users <= 1:
                del self._job_locks[key]
            else:
                self._job_locks[key] = (lock, users - 1)

    async def _run(self, row: OutboxRecord) -> bool:
        try:
            return await self._run_row(row)
        finally:
            self._in_flight.discard(row.id)

    async def _run_row(self, row: OutboxRecord) -> bool:
        """Send one row; False when it went back to wait for a retry (rows after it must wait too)."""
        chat = self._chats.get(channel_of(row.target).platform)
        if chat is None:
            log.warning("outbox %s waits: no %s adapter running", row.id, channel_of(row.target).platform)
            await self._store.mark_failed(row.id, error="adapter not running",
                                          retry_at=self._clock.now() + timedelta(minutes=5))
            return False
        if row.attempts > 1:
            self._metrics.count("outbox_retried", purpose=row.purpose)
        started = time.monotonic()
        try:
            if row.attempts > 1 and not self._checks_itself(row):
                # An earlier attempt may have reached the platform (a timeout after it accepted the
                # post, or a process killed between send and mark): look before posting again.
                found = await chat.find_sent(row.target, row.dedupe_key, since=row.created_at)
                if found is not None:
                    log.info("outbox row %s was already posted (attempt %d): not sent again", row.id, row.attempts)
                    await self._store.mark_sent(row.id, message=found)
                    return True
            token = SENDING_KEY.set(row.dedupe_key)
            try:
                ref = await self._deliver(chat, row)
            finally:
                SENDING_KEY.reset(token)
        except Exception as exc:
            error_id = new_error_id()
            log.exception("error %s sending outbox row %s (%s)", error_id, row.id, row.purpose)
            retry_at = None
            if row.attempts < MAX_ATTEMPTS:
                retry_at = self._clock.now() + timedelta(seconds=5 * 2 ** row.attempts)
            await self._store.mark_failed(row.id, error=f"{error_id}: {type(exc).__name__}: {exc}"[:500],
                                          retry_at=retry_at)
            self._metrics.count("outbox_failed", purpose=row.purpose)
            return retry_at is None  # a dead row holds nothing back
        self._metrics.observe("outbox_send", time.monotonic() - started, purpose=row.purpose)
        if ref is not None:
            await self._marks((row.id, ref))  # group-committed: a burst of posts is a few writes
        self._metrics.count("outbox_sent", purpose=row.purpose)
        return True

    async def _mark_sent_many(self, marks: list[tuple[int, MessageRef]]) -> list[None]:
        await self._store.mark_sent_many(marks)
        return [None] * len(marks)

    async def _deliver(self, chat: Chat, row: OutboxRecord) -> MessageRef | None:
        """Send the row as its kind says; a row with no kind is its stored text."""
        kind = self._kinds.get(row.purpose)
        if kind is not None:
            return await kind.deliver(chat, row)
        return await send(chat, row.target, OutMessage(text=row.text))
