"""Leases: who holds a claim. Each running process holds one lease row and renews it every few
seconds; every claim it makes (today: outbox rows) names the lease. A claim whose lease has
expired, because its process died or hung, is free for anyone at once: no fixed stale window,
and no stuck row outlives its lease by more than a renewal period."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.ports import Clock

log = logging.getLogger(__name__)

STARTED_MS = int(time.time() * 1000)
"""When this process started (its leases' holder names carry it: a later process with the same pid,
as in a restarted container, is told apart from the one that died)."""


def this_process() -> str:
    """A lease holder's name: host, pid and start time (operators read it in the ``lease`` table)."""
    return f"{socket.gethostname()}:{os.getpid()}:{STARTED_MS}"


def dead_on_this_host(holder: str) -> bool:
    """True when ``holder`` names a process of this host that no longer runs: its pid is gone, or
    the pid is now this process, started later (a container restarted with the same pid)."""
    host, _, rest = holder.partition(":")
    pid_text, _, started_text = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return started_text.isdigit() and int(started_text) < STARTED_MS
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # it runs, as someone else
        return False
    return False

LEASE_SECONDS = 15.0
"""A lease not renewed for this long has expired: its claims are free."""
RENEW_SECONDS = 5.0
"""How often a live process renews its lease (three renewals fit in one lease)."""


class LeaseStore(Protocol):
    async def take_lease(self, holder: str, *, now: datetime, expires_at: datetime) -> int:
        """A new lease row; its id."""
        ...

    async def renew_lease(self, lease_id: int, *, expires_at: datetime) -> bool:
        """Move the lease's expiry on; False when the row is gone."""
        ...

    async def drop_lease(self, lease_id: int) -> None:
        """Give the lease up: whatever it still claims is free at once."""
        ...

    async def live_leases(self, *, now: datetime) -> list[tuple[int, str]]:
        """Every lease not yet expired: its id and holder."""
        ...


class Lease:
    """This process's lease, taken on first use. ``current()`` renews it when a renewal is due,
    so a process that claims work keeps it alive; ``keep_renewed()`` is the runtime's loop that
    keeps it alive while long jobs run and nothing is being claimed."""

    def __init__(self, *, store: LeaseStore, clock: Clock, holder: str,
                 seconds: float = LEASE_SECONDS, renew_every: float = RENEW_SECONDS) -> None:
        self._store = store
        self._clock = clock
        self._holder = holder
        self._seconds = seconds
        self._renew_every = renew_every
        self._id: int | None = None
        self._renewed_at: datetime | None = None
        self._lock = asyncio.Lock()

    @property
    def lease_id(self) -> int | None:
        return self._id

    async def current(self) -> int:
        """The lease id to name in a claim (taken now if this process has none yet)."""
        now = self._clock.now()
        if self._id is not None and self._renewed_at is not None \
                and now - self._renewed_at < timedelta(seconds=self._renew_every):
            return self._id
        async with self._lock:
            if self._id is None:
                self._id = await self._store.take_lease(self._holder, now=now, expires_at=self._expiry(now))
                self._renewed_at = now
                log.info("took lease %s as %s", self._id, self._holder)
            elif self._renewed_at is None or now - self._renewed_at >= timedelta(seconds=self._renew_every):
                await self._renew(now)
            return self._id

    async def renew(self) -> None:
        async with self._lock:
            if self._id is not None:
                await self._renew(self._clock.now())

    async def keep_renewed(self) -> None:
        """Renew every ``renew_every`` seconds until cancelled; a failed renewal is logged and tried
        again at the next period (the lease still has two periods to run)."""
        while True:
            await asyncio.sleep(self._renew_every)
            try:
                await self.renew()
            except Exception:
                log.warning("could not renew lease %s; trying again in %.0f s", self._id, self._renew_every,
                            exc_info=True)

    async def free_dead(self, is_dead: Callable[[str], bool]) -> int:
        """Give up, for them, the unexpired leases of processes known to be dead (``is_dead`` reads a
        holder: a process of this host that no longer runs): a bot restarted after a crash takes up
        its predecessor's claims at once, not once the lease expires. How many were freed."""
        mine = await self.current()
        freed = 0
        for lease_id, holder in await self._store.live_leases(now=self._clock.now()):
            if lease_id != mine and is_dead(holder):
                await self._store.drop_lease(lease_id)
                log.info("freed lease %s of %s, which no longer runs", lease_id, holder)
                freed += 1
        return freed

    async def release(self) -> None:
        async with self._lock:
            if self._id is not None:
                await self._store.drop_lease(self._id)
                log.info("gave up lease %s", self._id)
                self._id = self._renewed_at = None

    async def _renew(self, now: datetime) -> None:
        if self._id is None:
            return
        if self._renewed_at is not None and now - self._renewed_at > timedelta(seconds=self._seconds):
            log.warning("lease %s had expired (%.0f s since its renewal): others may have taken its claims",
                        self._id, (now - self._renewed_at).total_seconds())
        if not await self._store.renew_lease(self._id, expires_at=self._expiry(now)):
            # Gone (an operator cleaned up, or the database was restored): take a new one. Rows the
            # old lease claimed are free for anyone now, this process included.
            log.warning("lease %s was gone at renewal; taking a new one", self._id)
            self._id = await self._store.take_lease(self._holder, now=now, expires_at=self._expiry(now))
        self._renewed_at = now

    def _expiry(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self._seconds)
