"""Forget-me in the console: the question is asked as y/n, and only ``y`` deletes."""

from __future__ import annotations

import io
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleAdapter
from bot.core.service import PracticeService
from bot.scheduling.clock import FakeClock
from bot.scoring.offline import OfflineScorer
from bot.storage.database import create_engine, migrate
from bot.storage.repository import SqlStore
from framework import load

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[tuple[ConsoleAdapter, PracticeService, io.StringIO]]:
    url = f"sqlite:///{tmp_path / 'console.db'}"
    await migrate(url)
    store = SqlStore(create_engine(url))
    service = PracticeService(store=store, framework=load(), scorer=OfflineScorer(), clock=FakeClock(START),
                              rng=random.Random(3))
    out = io.StringIO()
    adapter = ConsoleAdapter(service, timezone="UTC", stdout=out, user_name="ada")
    service.attach(adapter.chat)
    yield adapter, service, out
    await service.dispatcher.drain()
    await store.close()


async def test_no_keeps_everything_and_yes_forgets_it(
    console: tuple[ConsoleAdapter, PracticeService, io.StringIO],
) -> None:
    adapter, service, out = console
    await adapter.handle_line("/practice interview url-shortener 15")
    await adapter.handle_line("We keep it simple: the team knows Postgres.")
    assert await service.store.get_member(adapter.user) is not None

    await adapter.handle_line("/practice forget-me")
    assert "Forget me? Type y to go ahead, n to cancel." in out.getvalue()
    await adapter.handle_line("n")
    assert out.getvalue().rstrip().endswith("Nothing was deleted.")
    assert await service.store.get_member(adapter.user) is not None
    assert await service.interviews.active_for(adapter.user) is not None

    await adapter.handle_line("/practice forget-me")
    await adapter.handle_line("y")
    assert "Done: I deleted" in out.getvalue().splitlines()[-2]
    assert await service.store.get_member(adapter.user) is None
    assert await service.interviews.active_for(adapter.user) is None
    assert await service.store.get_streak(adapter.user) is None


async def test_anything_but_y_cancels_and_is_then_read_as_usual(
    console: tuple[ConsoleAdapter, PracticeService, io.StringIO],
) -> None:
    adapter, service, out = console
    await adapter.handle_line("/practice interview url-shortener 15")
    await adapter.handle_line("/practice forget-me")
    await adapter.handle_line("/practice sections")
    text = out.getvalue()
    assert "Nothing was deleted." in text and "The framework" in text.split("Nothing was deleted.")[1]
    assert await service.store.get_member(adapter.user) is not None
    await adapter.handle_line("y")  # no question is pending any more: just a message in the thread
    assert await service.store.get_member(adapter.user) is not None
