"""The dispatcher on its own ports: an in-memory outbox, the chat registry, a clock and the kinds
registered with it. No service, no database: it knows no capability."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.chats import Chats
from bot.core.leases import Lease
from bot.core.messages import OutMessage
from bot.core.outbox import MAX_ATTEMPTS, Dispatcher, OutboxKind, send
from bot.core.ports import Chat
from bot.core.records import OutboxDraft, OutboxRecord
from bot.core.refs import ChannelRef, MessageRef
from bot.scheduling.clock import FakeClock
from tests.fakes import RecordingChat
from tests.fakes.outbox import FakeOutbox

CHANNEL = ChannelRef("console", "C1", "W1")
OTHER = ChannelRef("console", "C2", "W1")


def build(*kinds: OutboxKind) -> tuple[Dispatcher, FakeOutbox, RecordingChat, FakeClock]:
    store, chat, chats = FakeOutbox(), RecordingChat(), Chats()
    chats.attach(chat)
    clock = FakeClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    lease = Lease(store=store, clock=clock, holder="test")
    return Dispatcher(store=store, chats=chats, clock=clock, lease=lease, kinds=kinds), store, chat, clock


async def test_a_purpose_with_no_kind_is_sent_as_its_stored_text() -> None:
    dispatcher, store, chat, _ = build()
    await store.enqueue([OutboxDraft(CHANNEL, "Time is up.", "notice", "k1")])
    await dispatcher.flush()
    assert chat.in_channel(CHANNEL) == ["Time is up."]
    assert store.state(1) == "sent"


async def test_a_registered_kind_delivers_its_rows_and_the_dispatcher_marks_them_sent() -> None:
    seen: list[OutboxRecord] = []

    async def deliver(chat: Chat, row: OutboxRecord) -> MessageRef:
        seen.append(row)
        return await send(chat, row.target, OutMessage(text=f"rendered {row.payload}"))

    dispatcher, store, chat, _ = build(OutboxKind("phase", deliver))
    await store.enqueue([OutboxDraft(CHANNEL, "stored", "phase", "k1", payload="3")])
    await dispatcher.flush()
    assert [row.payload for row in seen] == ["3"]
    assert chat.in_channel(CHANNEL) == ["rendered 3"]
    assert store.rows[1].sent_to is not None


async def test_a_kind_that_marks_its_row_itself_is_not_marked_again() -> None:
    async def deliver(chat: Chat, row: OutboxRecord) -> None:
        await chat.send(row.target, OutMessage(text="posted and recorded by the capability"))

    dispatcher, store, chat, _ = build(OutboxKind("prompt", deliver, bulk=True))
    await store.enqueue([OutboxDraft(CHANNEL, "stored", "prompt", "k1")])
    await dispatcher.flush()
    assert chat.in_channel(CHANNEL) == ["posted and recorded by the capability"]
    assert store.state(1) == "sending"  # the dispatcher left the mark to the delivery


async def test_bulk_kinds_are_claimed_after_every_other_waiting_row() -> None:
    async def deliver(chat: Chat, row: OutboxRecord) -> MessageRef:
        return await chat.send(row.target, OutMessage(text=row.text))

    dispatcher, store, chat, _ = build(OutboxKind("prompt", deliver, bulk=True))
    await store.enqueue([OutboxDraft(OTHER, "daily prompt", "prompt", "p1")])
    await store.enqueue([OutboxDraft(CHANNEL, f"phase {n}", "notice", f"n{n}") for n in range(3)])
    await dispatcher.flush()
    first_claim = store.claims[0]
    assert [store.rows[n].record.purpose for n in first_claim] == ["notice", "notice", "notice", "prompt"]
    assert chat.in_channel(CHANNEL) == ["phase 0", "phase 1", "phase 2"]
    assert chat.in_channel(OTHER) == ["daily prompt"]


async def test_background_kinds_run_as_jobs_in_claim_order_per_thread() -> None:
    order: list[str] = []

    async def slow(chat: Chat, row: OutboxRecord) -> MessageRef:
        order.append(row.text)
        return await chat.send(row.target, OutMessage(text=row.text))

    dispatcher, store, chat, _ = build(OutboxKind("score", slow, background=True))
    await store.enqueue([OutboxDraft(CHANNEL, f"score {n}", "score", f"s{n}") for n in range(3)])
    await dispatcher.flush()
    await dispatcher.drain()
    assert order == ["score 0", "score 1", "score 2"]
    assert chat.in_channel(CHANNEL) == order
    assert all(store.state(n) == "sent" for n in (1, 2, 3))


async def test_a_failed_delivery_goes_back_with_backoff_and_dies_after_the_last_attempt() -> None:
    async def broken(chat: Chat, row: OutboxRecord) -> MessageRef:
        raise ConnectionError("platform down")

    dispatcher, store, _, clock = build(OutboxKind("phase", broken))
    await store.enqueue([OutboxDraft(CHANNEL, "stored", "phase", "k1")])
    await dispatcher.flush()
    assert store.state(1) == "pending"
    assert store.rows[1].due_at > clock.now()
    assert "ConnectionError: platform down" in (store.rows[1].error or "")
    for _ in range(MAX_ATTEMPTS):
        clock.advance(seconds=3600)
        await dispatcher.flush()
    assert store.state(1) == "dead"


async def test_a_platform_without_a_running_adapter_waits_rather_than_fails() -> None:
    dispatcher, store, _, clock = build()
    await store.enqueue([OutboxDraft(ChannelRef("slack", "C9", "T1"), "hello", "notice", "k1")])
    await dispatcher.flush()
    assert store.state(1) == "pending"
    assert store.rows[1].error == "adapter not running"
    assert store.rows[1].due_at > clock.now()


def test_a_kind_registered_twice_is_refused() -> None:
    async def deliver(chat: Chat, row: OutboxRecord) -> None:
        return None

    dispatcher, *_ = build(OutboxKind("phase", deliver))
    with pytest.raises(ValueError, match="registered twice"):
        dispatcher.register(OutboxKind("phase", deliver))
