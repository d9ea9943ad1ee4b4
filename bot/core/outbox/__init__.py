"""Shared machinery, not a capability: the outbox.

Owns the outbox ports (``OutboxWriter`` for use cases, ``OutboxStore`` for the dispatcher),
the ``Dispatcher`` that claims and sends rows, and ``OutboxKind``: each capability registers
the kinds of row it creates and how each is delivered, so the dispatcher never needs to
know what an interview or a daily prompt is.
"""

from bot.core.outbox._dispatcher import CLAIM_WINDOW, MAX_ATTEMPTS, Dispatcher
from bot.core.outbox._kinds import Deliver, OutboxKind, outbox_key, send, send_private
from bot.core.outbox.store import Flusher, Kicker, OutboxStore, OutboxWriter, Sender

__all__ = [
    "CLAIM_WINDOW",
    "MAX_ATTEMPTS",
    "Deliver",
    "Dispatcher",
    "Flusher",
    "Kicker",
    "OutboxKind",
    "OutboxStore",
    "OutboxWriter",
    "Sender",
    "outbox_key",
    "send",
    "send_private",
]
