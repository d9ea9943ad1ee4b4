"""Outbox kinds: how the capability that creates a kind of row has it delivered."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, replace

from bot.core.messages import OutMessage, split_text
from bot.core.ports import Chat
from bot.core.records import OutboxRecord
from bot.core.refs import MessageRef, Target, UserRef

Deliver = Callable[[Chat, OutboxRecord], Awaitable[MessageRef | None]]
"""Send a row: the message it became, or ``None`` when the delivery marked the row sent itself
(in the same write as its own effect)."""


@dataclass(frozen=True, slots=True)
class OutboxKind:
    """One purpose of outbox row and how it is delivered. Purposes with no kind registered
    (notices, nudges) are sent as their stored text."""

    purpose: str
    deliver: Deliver
    background: bool = False
    """Runs as a background job, not in a thread's lane (it scores, and may call an LLM)."""
    bulk: bool = False
    """Made for every scheduled channel at once (a fan-out): claimed after any other waiting row,
    so people in an interview are not kept waiting behind it."""
    checks_sent: bool = False
    """The delivery looks for an earlier attempt's post itself (``Chat.find_sent``), because it records
    more than the sent mark; otherwise the dispatcher does, before a retry."""


SENDING_KEY: ContextVar[str] = ContextVar("sending_outbox_key", default="")
"""The key of the outbox row being delivered: ``send`` stamps it on every message the delivery posts."""


def outbox_key(*parts: object) -> str:
    """A row's dedupe key from its parts: the same effect always gets the same key."""
    return ":".join(str(part) for part in parts)


async def send_private(chat: Chat, to: UserRef, near: Target, message: OutMessage, *, key: str = "") -> MessageRef:
    """``send`` for a message only ``to`` reads (``Chat.send_private``), split the same way."""
    return await _split_send(lambda part: chat.send_private(to, near, part), chat, message, key or SENDING_KEY.get())


async def send(chat: Chat, where: Target, message: OutMessage) -> MessageRef:
    """Send, splitting text longer than the platform allows into ordered parts in the same place.

    Each message carries the key of the outbox row being delivered (the last part the key itself,
    earlier parts ``key#n``), so ``Chat.find_sent`` finds a whole message only when it all went out."""
    return await _split_send(lambda part: chat.send(where, part), chat, message, message.key or SENDING_KEY.get())


async def _split_send(post: Callable[[OutMessage], Awaitable[MessageRef]], chat: Chat, message: OutMessage,
                      key: str) -> MessageRef:
    limit = chat.capabilities.max_text
    if len(message.text) <= limit:
        return await post(replace(message, key=key))
    parts = split_text(message.text, limit)
    ref: MessageRef | None = None
    for number, part in enumerate(parts):
        last = number == len(parts) - 1
        blocks = tuple(b for b in message.blocks if last and not hasattr(b, "text")) if last else ()
        part_key = key if last or not key else f"{key}#{number + 1}"
        ref = await post(OutMessage(text=part, blocks=blocks, ephemeral=message.ephemeral, key=part_key))
    if ref is None:
        raise ValueError("nothing to send")
    return ref
