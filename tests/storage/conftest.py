"""A ``SqlStore`` on each database (``database_url`` comes from ``tests/conftest.py``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from bot.storage.database import create_engine
from bot.storage.repository import SqlStore

StoreFactory = Callable[[], SqlStore]


@pytest.fixture
async def store_factory(database_url: str) -> AsyncIterator[StoreFactory]:
    """More stores on the same database, each with its own engine and pool, as other processes would."""
    stores: list[SqlStore] = []

    def make() -> SqlStore:
        store = SqlStore(create_engine(database_url))
        stores.append(store)
        return store

    yield make
    for store in stores:
        await store.close()


@pytest.fixture
def store(store_factory: StoreFactory) -> SqlStore:
    return store_factory()
