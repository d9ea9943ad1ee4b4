"""The hand-written migration and the models agree; every way of migrating reaches head."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import StatementError

from bot.core.refs import UserRef
from bot.storage.database import PROJECT_ROOT, alembic_config, create_engine, migrate, migrate_sync
from bot.storage.models import Base
from bot.storage.repository import SqlStore

TABLES = {"channel", "member", "practice_day", "daily_prompt", "interview", "answer", "score", "outbox",
          "processed_event", "lease", "peer_mark", "inbox", "drill", "member_pause",
          "pairing", "pairing_member", "pairing_round", "pairing_pair", "slack_installations", "slack_bots",
          "slack_oauth_states"}


def _diffs(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": True})
    return list(compare_metadata(context, Base.metadata))


async def test_migration_matches_the_models(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            diffs = await connection.run_sync(_diffs)
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            revision = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
    finally:
        await engine.dispose()
    assert diffs == []
    assert tables == TABLES | {"alembic_version"}
    assert revision == "0010"


async def test_migrating_again_is_a_no_op_and_keeps_data(database_url: str) -> None:
    store = SqlStore(create_engine(database_url))
    try:
        await store.ensure_member(UserRef("slack", "U1", "T1", "Ann"))
        await migrate(database_url)
        assert await store.get_member(UserRef("slack", "U1", "T1")) is not None
    finally:
        await store.close()


def _downgrade_then_upgrade(connection: Connection, url: str) -> list[str]:
    config = alembic_config(url)
    config.attributes["connection"] = connection
    command.downgrade(config, "base")
    left = inspect(connection).get_table_names()
    command.upgrade(config, "head")
    return left


async def test_downgrade_removes_everything_and_upgrade_restores_it(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            left = await connection.run_sync(_downgrade_then_upgrade, database_url)
        async with engine.connect() as connection:
            assert await connection.run_sync(_diffs) == []
    finally:
        await engine.dispose()
    assert set(left) <= {"alembic_version"}


def test_migrate_sync_creates_a_sqlite_database(tmp_path: Path) -> None:
    path = tmp_path / "cli.db"
    migrate_sync(f"sqlite:///{path}")  # the plain form people write
    assert path.exists()


def test_alembic_command_line_takes_the_url_from_x_or_settings(tmp_path: Path) -> None:
    via_x, via_env = tmp_path / "x.db", tmp_path / "env.db"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    alembic = [sys.executable, "-m", "alembic", "-c", str(PROJECT_ROOT / "alembic.ini")]
    subprocess.run([*alembic, "-x", f"url=sqlite:///{via_x}", "upgrade", "head"],
                   cwd=tmp_path, env=env, check=True, capture_output=True)
    subprocess.run([*alembic, "upgrade", "head"],
                   cwd=tmp_path, env={**env, "DATABASE_URL": f"sqlite:///{via_env}"}, check=True, capture_output=True)
    offline = subprocess.run([*alembic, "-x", "url=postgresql://u@h/db", "upgrade", "head", "--sql"],
                             cwd=tmp_path, env=env, check=True, capture_output=True, text=True)
    assert via_x.exists() and via_env.exists()
    assert "CREATE TABLE member" in offline.stdout
    assert "TIMESTAMP WITH TIME ZONE" in offline.stdout


async def test_datetimes_come_back_aware_utc_and_naive_ones_are_refused(database_url: str) -> None:
    store = SqlStore(create_engine(database_url))
    try:
        plus_two = datetime(2026, 3, 2, 11, 30, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
        assert await store.remember_event("slack", "e1", now=plus_two)
        assert await store.prune_events(older_than=datetime(2026, 3, 2, 9, 30, 0, 123456, tzinfo=UTC)) == 0
        assert await store.prune_events(older_than=datetime(2026, 3, 2, 9, 30, 0, 123457, tzinfo=UTC)) == 1
        with pytest.raises(StatementError, match="naive datetime"):
            await store.remember_event("slack", "e2", now=datetime(2026, 3, 2, 9, 30))
    finally:
        await store.close()


async def test_migrate_builds_an_empty_postgresql_database(pg_url_factory: Callable[..., Awaitable[str]]) -> None:
    url = await pg_url_factory(migrated=False)
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(lambda c: inspect(c).get_table_names()) == []
        await migrate(url)
        async with engine.connect() as connection:
            assert await connection.run_sync(_diffs) == []
    finally:
        await engine.dispose()


async def test_processes_starting_together_migrate_once(tmp_path: Path,
                                                        pg_url_factory: Callable[..., Awaitable[str]]) -> None:
    for url in (f"sqlite:///{tmp_path / 'race.db'}", await pg_url_factory(migrated=False)):
        await asyncio.gather(*(migrate(url) for _ in range(3)))
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                assert await connection.run_sync(_diffs) == []
        finally:
            await engine.dispose()
