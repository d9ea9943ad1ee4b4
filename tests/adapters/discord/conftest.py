from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord
import pytest
import yarl

from bot.core.ports import Charts
from bot.core.service import PracticeService
from bot.scheduling.clock import FakeClock
from bot.scoring.offline import OfflineScorer
from bot.storage.database import create_engine, migrate
from bot.storage.repository import SqlStore
from framework import load
from tests.adapters.discord.fake_api import FakeDiscord
from tests.adapters.discord.harness import DiscordHarness, settings

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday

HarnessFactory = Callable[..., Awaitable[DiscordHarness]]


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    monkeypatch.setattr(discord.http.Route, "BASE", fake.base_url)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway_url))
    yield fake
    await fake.stop()


@pytest.fixture
async def db_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'discord.db'}"
    await migrate(url)
    return url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def make_harness(fake: FakeDiscord, db_url: str, clock: FakeClock) -> AsyncIterator[HarnessFactory]:
    """A logged-in bot on its own service and store (as a separate process would have), sharing the
    database, the fake Discord and the clock. Call it again to simulate a restart."""
    made: list[tuple[DiscordHarness, SqlStore]] = []

    async def factory(*, login: bool = True, charts: Charts | None = None, **overrides: Any) -> DiscordHarness:
        store = SqlStore(create_engine(db_url))
        service = PracticeService(store=store, framework=load(), scorer=OfflineScorer(), clock=clock,
                                  rng=random.Random(7), charts=charts)
        harness = DiscordHarness(fake, service, clock, settings(database_url=db_url, **overrides))
        made.append((harness, store))
        if login:
            await harness.login()
        return harness

    yield factory
    for harness, store in made:
        await harness.close()
        await harness.service.dispatcher.drain()
        await store.close()


@pytest.fixture
async def harness(make_harness: HarnessFactory) -> DiscordHarness:
    return await make_harness()
