"""Engines and migrations.

``create_engine`` gives an async engine for SQLite (aiosqlite) or PostgreSQL (asyncpg).
``migrate`` runs Alembic's ``upgrade head`` on one connection of such an engine; the
CLI and ``alembic upgrade head`` reach the same ``migrations/env.py``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from bot.config import normalise_database_url
from bot.core.normalise import storable

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def migrations_dir() -> Path:
    """Alembic's scripts: beside the source tree (a checkout, an editable install), else in the
    working directory (the container copies them to /app), else ``$MIGRATIONS_DIR``."""
    candidates = [PROJECT_ROOT / "migrations", Path.cwd() / "migrations"]
    if os.environ.get("MIGRATIONS_DIR"):
        candidates.insert(0, Path(os.environ["MIGRATIONS_DIR"]))
    for candidate in candidates:
        if (candidate / "env.py").is_file():
            return candidate
    raise FileNotFoundError("cannot find the migrations folder; set MIGRATIONS_DIR")



SQLITE_BUSY_TIMEOUT_MS = 30_000
IMMEDIATE = "sqlite_begin_immediate"
"""Execution option: on SQLite, start the transaction with ``BEGIN IMMEDIATE``.

A deferred SQLite transaction that reads and then writes fails at once with
``database is locked`` when another connection committed in between (busy_timeout
cannot help: waiting would not make its snapshot current). Taking the write lock at
``BEGIN`` makes such transactions queue for each other instead.
"""


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for ``url`` (plain ``sqlite:///`` and ``postgresql://`` forms accepted)."""
    url = normalise_database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, in_memory=parsed.database in (None, "", ":memory:"), **kwargs)
    options: dict[str, Any] = {"pool_pre_ping": True}
    if "poolclass" not in kwargs:
        options.update(pool_size=10, max_overflow=10, pool_recycle=1800)
    options.update(kwargs)
    return _store_only_storable(create_async_engine(url, **options))


def _store_only_storable(engine: AsyncEngine) -> AsyncEngine:
    """The last line behind the core's normalisation: a parameter PostgreSQL would refuse (NUL,
    a lone surrogate) is made storable as the statement leaves, so no row is lost to the driver.
    Inputs are normalised where they enter (``bot.core.normalise``); this catches what did not
    come from a person (an LLM's feedback, a quoted name) and says so once per statement."""

    @event.listens_for(engine.sync_engine, "before_cursor_execute", retval=True)
    def _before(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any,
                executemany: bool) -> tuple[str, Any]:
        fixed = _storable_params(parameters)
        if fixed is not parameters:
            log.warning("text unfit for the database made storable before: %s", statement.split("\n", 1)[0][:80])
        return statement, fixed

    return engine


def _storable_value(value: Any) -> Any:
    if isinstance(value, str):
        repaired = storable(value)
        return value if repaired == value else repaired
    if isinstance(value, list | tuple | dict):
        return _storable_params(value)
    return value


def _storable_params(parameters: Any) -> Any:
    """``parameters`` unchanged (the same object) when every text in it is storable, else a copy."""
    if isinstance(parameters, dict):
        items = {key: _storable_value(value) for key, value in parameters.items()}
        changed = any(items[key] is not value for key, value in parameters.items())
        return items if changed else parameters
    if isinstance(parameters, list | tuple):
        values = [_storable_value(value) for value in parameters]
        if all(new is old for new, old in zip(values, parameters, strict=True)):
            return parameters
        return tuple(values) if isinstance(parameters, tuple) else values
    return parameters


def _sqlite_engine(url: str, *, in_memory: bool, **kwargs: Any) -> AsyncEngine:
    options: dict[str, Any] = {}
    if in_memory:
        # Every connection to ':memory:' is a new empty database: share exactly one.
        options = {"poolclass": StaticPool}
    elif "poolclass" not in kwargs:
        # SQLite has one writer at a time; a few connections are enough for concurrent reads.
        options = {"pool_size": 5, "max_overflow": 5, "pool_timeout": 30}
    options.update(kwargs)
    engine = create_async_engine(url, **options)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (see _on_begin) instead of the driver's implicit one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return _store_only_storable(engine)


def alembic_config(url: str | None = None) -> Config:
    """Alembic's config for this project, without reading ``alembic.ini``.

    The URL travels in ``config.attributes`` (not the ini's interpolated options, which
    would choke on ``%`` in an encoded password); ``env.py`` falls back to ``Settings``.
    """
    from alembic.config import Config  # alembic costs ~0.2 s to import: only when migrating

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    if url is not None:
        config.attributes["url"] = normalise_database_url(url)
    return config


MIGRATION_LOCK_ID = 0x70726163  # "prac": a PostgreSQL advisory lock id for migrations


async def migrate(url: str) -> bool:
    """Bring the database at ``url`` to the newest revision (``alembic upgrade head``); True when
    it was not there yet (False: already at head, nothing done).

    Safe when several processes start at once: the upgrade runs in one transaction that
    first takes a lock (PostgreSQL: an advisory lock; SQLite: ``BEGIN IMMEDIATE``), so the
    others wait and then find the database at head. An in-memory SQLite database lives
    only as long as its engine, so there is nothing for this function to migrate.
    """
    engine = create_engine(url)
    try:
        heads = script_heads()
        if heads and await _current_revisions(engine) == heads:
            # Start-up fast path: already at head, so alembic is not even imported.
            return False
        async with engine.execution_options(**{IMMEDIATE: True}).begin() as connection:
            await connection.run_sync(_upgrade_on, url)
    finally:
        await engine.dispose()
    log.info("database migrated to head")
    return True


_REVISION = re.compile(r"^revision(?::[^=]*)?=\s*[\"']([^\"']+)[\"']", re.M)
_DOWN_REVISION = re.compile(r"^down_revision(?::[^=]*)?=\s*[\"']([^\"']+)[\"']", re.M)


def script_heads() -> set[str]:
    """Head revisions of the migration scripts, read without importing alembic (~0.2 s)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (migrations_dir() / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revisions.update(_REVISION.findall(source))
        parents.update(_DOWN_REVISION.findall(source))
    return revisions - parents


async def _current_revisions(engine: AsyncEngine) -> set[str]:
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
            return {str(row[0]) for row in rows}
    except Exception:  # no such table yet (a fresh database): alembic decides
        return set()


def _upgrade_on(connection: Connection, url: str) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})")
    from alembic import command

    config = alembic_config(url)
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def migrate_sync(url: str) -> None:
    """``migrate`` for callers without an event loop (the CLI, scripts)."""
    asyncio.run(migrate(url))
