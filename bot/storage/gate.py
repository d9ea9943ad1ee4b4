"""One writer at a time on SQLite, queued in the process, the ack path first.

SQLite admits one writing transaction at a time. Left to SQLite, writers that find the lock taken
sleep in its busy handler and try again: not in order, and each sleep adds latency. Under a burst
the writes that an ack waits for (the inbox) then wait behind whatever the after-ack work is doing.
The gate queues writers in the process instead: each one starts the moment the one before ends,
and ``urgent`` ones (the inbox's) go before the others. PostgreSQL has no such lock and no gate.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class WriteGate:
    def __init__(self) -> None:
        self._busy = False
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._normal: deque[asyncio.Future[None]] = deque()

    @asynccontextmanager
    async def hold(self, *, urgent: bool = False) -> AsyncIterator[None]:
        if self._busy:
            turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            (self._urgent if urgent else self._normal).append(turn)
            try:
                await turn
            except asyncio.CancelledError:
                if turn.done() and not turn.cancelled():
                    self._next()  # handed the gate just as it was cancelled: pass it on
                raise
        else:
            self._busy = True
        try:
            yield
        finally:
            self._next()

    def _next(self) -> None:
        """Hand the gate to the next writer that still waits (urgent first), or open it."""
        for queue in (self._urgent, self._normal):
            while queue:
                turn = queue.popleft()
                if not turn.done():
                    turn.set_result(None)
                    return
        self._busy = False

    @property
    def waiting(self) -> int:
        return len(self._urgent) + len(self._normal)
