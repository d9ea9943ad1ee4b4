"""What the inbox holds: an inbound item as written before its ack, and the row it became."""

from __future__ import annotations

import asyncio
import contextvars
from dataclasses import dataclass, field
from typing import Any

from bot.core.refs import Platform


@dataclass(frozen=True, slots=True)
class InboundItem:
    """One inbound item, as the adapter read it from the platform: enough to apply it again after
    a restart (``payload`` is plain JSON; an adapter never puts a secret in it).

    ``key`` is the platform's own identity for the item (a Slack message's channel and ts, a
    command's trigger id, a Discord interaction id), unique per ``platform``: a redelivery meets
    it. ``kind`` names the adapter's applier for the payload; ``order`` the lane it runs in (a
    thread, a person's commands), in arrival order. ``member`` is the person it came from (the
    forget-me plan deletes their rows)."""

    platform: Platform
    key: str
    kind: str
    order: str
    payload: dict[str, Any]
    workspace: str = ""
    member: str = ""


@dataclass(frozen=True, slots=True)
class InboxRecord:
    """A stored item, claimed for applying: ``attempts`` counts this one (above 1: an earlier
    process took it and died, so its effect may be half made; appliers look before repeating)."""

    id: int
    item: InboundItem
    attempts: int


@dataclass(slots=True)
class Applying:
    """The inbox row whose job runs in this task: the store marks it done inside the transaction
    that makes the item's effect (``settled`` then stays True and the inbox does not mark it again)."""

    inbox_id: int
    attempts: int = 1
    task: asyncio.Task[Any] | None = None
    """The task applying it: tasks it starts (a dispatcher loop, say) inherit the context variable
    but are not applying it."""
    settled: bool = field(default=False)

    def here(self) -> bool:
        return self.task is None or self.task is asyncio.current_task()

    @property
    def retrying(self) -> bool:
        """An earlier attempt may have got part way (posted a message, say) before its process died."""
        return self.attempts > 1


APPLYING: contextvars.ContextVar[Applying | None] = contextvars.ContextVar("practice_bot_applying", default=None)
"""Set by the inbox around an item's job, in that job's task only (a context variable is copied into
each task, so concurrent jobs never see each other's row)."""


def applying() -> Applying | None:
    """The inbox row being applied in this task, if any."""
    current = APPLYING.get()
    return current if current is not None and current.here() else None


def retrying() -> bool:
    """True while applying an item an earlier process may have half applied."""
    current = applying()
    return current is not None and current.retrying
