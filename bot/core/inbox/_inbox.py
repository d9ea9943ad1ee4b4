"""The inbox: every inbound item is written before it is acked, applied on its lane, and marked
done in the transaction that makes its effect; a restart, or another replica, applies whatever a
dead process left undone.

``accept(item, job)`` is the adapter's ack path. Items that arrive while a write is in flight wait
for the next one, so a burst costs a few transactions, not one per request (a group commit,
``bot.core.batches``); marking rows done after their jobs is group-committed the same way. A new
item's job then runs on the lanes after the ack; a redelivery (its key is already there) is acked
and nothing more.

While a job runs, ``APPLYING`` names its row. The store marks the row done inside the transaction
that records an answer, creates an interview, moves one on or remembers an event, so a crash just
before or just after that transaction either leaves the row to apply again or finds it done. A
job with no such effect (a help text, a leaderboard) is marked done once it returns. Each row is
claimed under this process's lease; rows whose lease expired are taken by ``resume()``, which the
runtime runs at start-up and every few seconds after.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.core.batches import GroupCommit
from bot.core.errors import new_error_id
from bot.core.inbox._lanes import Lanes
from bot.core.inbox.items import APPLYING, Applying, InboundItem, InboxRecord
from bot.core.inbox.store import InboxStore
from bot.core.leases import Lease
from bot.core.ports import Clock

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]
Applier = Callable[[InboxRecord], Awaitable[None]]
"""How an adapter applies a stored item of one kind (after a restart: from its payload alone)."""

MAX_BATCH = 500
"""Items written in one transaction at most."""
RETENTION = timedelta(hours=1)
"""Done rows are kept this long: a redelivery within it is recognised by its key alone."""


class Inbox:
    def __init__(self, *, store: InboxStore, lease: Lease, clock: Clock, lanes: int = 32) -> None:
        self._store = store
        self._lease = lease
        self._clock = clock
        self.lanes = Lanes(lanes)
        self._appliers: dict[str, Applier] = {}
        self._written = GroupCommit(self._accept, max_batch=MAX_BATCH, name="inbox-writer")
        self._settled = GroupCommit(self._settle, max_batch=MAX_BATCH, name="inbox-settler")
        self.accepted = 0
        """New items written (tests and benchmarks wait on the lanes once this grows)."""
        self.redelivered = 0
        self.resumed = 0

    def register(self, kind: str, applier: Applier) -> None:
        """How to apply a stored item of ``kind`` from its payload (resumed items, and items accepted
        without a job of their own)."""
        self._appliers[kind] = applier

    def start(self) -> None:
        self.lanes.start()

    async def stop(self, *, drain_seconds: float = 10.0) -> None:
        """Finish what is queued (up to ``drain_seconds``); what is left stays in the database under
        this process's lease, free for anyone once the runtime gives the lease up."""
        await self.lanes.stop(drain_seconds=drain_seconds)

    # ------------------------------------------------------------------ the ack path
    async def accept(self, item: InboundItem, job: Job | None = None, *, inline: bool = False) -> bool:
        """Write ``item`` durably, then queue it on its lane: ``job`` if given (the live request,
        which can still answer the person), else the registered applier. ``inline``: apply it here
        and now instead (the caller keeps its own order and acks inside ``job``, as a Discord
        interaction is acked by its defer). False for a redelivery. Raises only when the database
        refused the write: the caller must not ack it as received."""
        if job is None and item.kind not in self._appliers:
            raise LookupError(f"no applier registered for inbound kind {item.kind!r}")
        inbox_id = await self._written(item)
        if inbox_id is None:
            self.redelivered += 1
            return False
        self.accepted += 1
        record = InboxRecord(inbox_id, item, attempts=1)
        if inline:
            await self._apply(record, job)
        else:
            self.lanes.submit(item.order, lambda: self._apply(record, job), what=f"{item.kind} {item.key[:60]}")
        return True

    async def _accept(self, items: list[InboundItem]) -> list[int | None]:
        return await self._store.accept_inbound(items, lease=await self._lease.current(), now=self._clock.now())

    async def _settle(self, inbox_ids: list[int]) -> list[None]:
        await self._store.settle_inbound(inbox_ids, now=self._clock.now())
        return [None] * len(inbox_ids)

    @property
    def writes(self) -> int:
        """Transactions that wrote items (fewer than ``accepted`` under a burst: the group commit)."""
        return self._written.writes

    # ------------------------------------------------------------------ applying
    async def _apply(self, record: InboxRecord, job: Job | None) -> None:
        state = Applying(record.id, record.attempts, task=asyncio.current_task())
        token = APPLYING.set(state)
        try:
            if job is not None:
                await job()
            else:
                await self._appliers[record.item.kind](record)
        except Exception:
            # Adapters wrap core calls in guarded(), which answers the person; what reaches here
            # is the adapter's own mistake. Marked done all the same: applying it again would fail again.
            log.exception("error %s applying inbound %s %s", new_error_id(), record.item.kind, record.item.key[:60])
        finally:
            APPLYING.reset(token)
        if not state.settled:
            try:
                await self._settled(record.id)
            except Exception:  # applied, but not marked: applied again (idempotently) once the lease ends
                log.warning("could not mark inbound %s done", record.item.key[:60], exc_info=True)

    async def resume(self) -> int:
        """Apply every row whose process died (or stopped) before it was done; how many were taken."""
        lease = await self._lease.current()
        records = await self._store.claim_inbound(lease=lease, now=self._clock.now(), kinds=list(self._appliers))
        for record in records:
            log.info("resuming inbound %s (attempt %d)", record.item.key[:60], record.attempts)
            self.resumed += 1
            self.lanes.submit(record.item.order, functools.partial(self._apply, record, None),
                              what=f"resumed {record.item.kind}")
        return len(records)

    async def keep_resuming(self, every: float) -> None:
        """The runtime's loop: take up other processes' undone rows once their lease has expired."""
        while True:
            await asyncio.sleep(every)
            try:
                await self.resume()
            except Exception:
                log.warning("could not look for undone inbound items; trying again in %.0f s", every,
                            exc_info=True)

    async def prune(self) -> int:
        return await self._store.prune_inbound(settled_before=self._clock.now() - RETENTION)

    async def join(self) -> None:
        """Wait until every queued job has run (tests and benchmarks)."""
        await self.lanes.join()

    @property
    def backlog(self) -> int:
        return self.lanes.backlog + self._written.waiting + self._settled.waiting
