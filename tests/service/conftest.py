from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import pytest

from bot.core.messages import CommandContext
from bot.core.refs import ChannelRef, UserRef
from bot.core.service import PracticeService
from bot.scheduling.clock import FakeClock
from bot.scoring.offline import OfflineScorer
from bot.storage.database import create_engine, migrate
from bot.storage.repository import SqlStore
from framework import load
from tests.fakes import RecordingChat

CHANNEL = ChannelRef("console", "C1", "W1")
ALICE = UserRef("console", "alice", "W1", "Alice")
BOB = UserRef("console", "bob", "W1", "Bob")
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday

ServiceFactory = Callable[..., Awaitable[tuple[PracticeService, RecordingChat]]]


def ctx(user: UserRef = ALICE, *, can_manage: bool = False, channel: ChannelRef = CHANNEL) -> CommandContext:
    return CommandContext(channel, user, can_manage=can_manage, user_timezone="UTC")


@pytest.fixture
async def make_service(database_url: str) -> AsyncIterator[ServiceFactory]:
    """Build services on one migrated database, as separate processes would (own engine each)."""
    await migrate(database_url)
    stores: list[SqlStore] = []

    async def factory(clock: FakeClock, *, seed: int = 1, chat: RecordingChat | None = None
                      ) -> tuple[PracticeService, RecordingChat]:
        store = SqlStore(create_engine(database_url))
        stores.append(store)
        service = PracticeService(store=store, framework=load(), scorer=OfflineScorer(), clock=clock,
                                  rng=random.Random(seed))
        chat = chat or RecordingChat()
        service.attach(chat)
        return service, chat

    yield factory
    for store in stores:
        await store.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)
