"""Group commit: items that arrive while a write is in flight go together in the next one.

The first item of a quiet moment is written at once, alone; under a burst, each transaction takes
everything that queued while the one before ran (up to ``max_batch``), so a thousand acks or marks
cost a few transactions, not a thousand. Each caller awaits its own item's result, or the error the
write raised.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class GroupCommit(Generic[Item, Result]):
    def __init__(self, write: Callable[[list[Item]], Awaitable[Sequence[Result]]], *, max_batch: int = 500,
                 name: str = "group-commit") -> None:
        self._write = write
        self._max_batch = max_batch
        self._name = name
        self._waiting: list[tuple[Item, asyncio.Future[Result]]] = []
        self._writer: asyncio.Task[None] | None = None
        self.writes = 0
        """Transactions written so far."""

    async def __call__(self, item: Item) -> Result:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_waiting(), name=self._name)
        return await future

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    async def _write_waiting(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:self._max_batch], self._waiting[self._max_batch:]
            try:
                results = await self._write([item for item, _ in batch])
                self.writes += 1
            except Exception as exc:  # every caller of this batch hears it
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)
