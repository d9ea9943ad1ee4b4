"""Database fixtures shared by every test folder.

* ``database_url``: a fresh, migrated database, parametrised over ``sqlite`` (a temp file)
  and ``postgresql`` (a database on a real PostgreSQL server started for the session).
* ``pg_url_factory``: make more fresh PostgreSQL databases in one test.
* ``postgres_server``: the session's server (``initdb``/``pg_ctl`` as the ``postgres``
  user when run as root, on a free 127.0.0.1 port, ``fsync=off``), stopped at the end.

Without PostgreSQL binaries the ``postgresql`` cases fail with instructions; set
``PRACTICE_BOT_SKIP_PG=1`` to skip them instead. ``PRACTICE_BOT_PG_BINDIR`` picks the
binaries' directory (default: ``initdb`` on PATH, else the newest /usr/lib/postgresql/*/bin).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import pytest

from bot.storage.database import migrate
from tests.pgtools import BINDIR_ENV, PG_USER, find_bindir, free_port, run_pg

SKIP_PG_ENV = "PRACTICE_BOT_SKIP_PG"


@dataclass
class PostgresServer:
    host: str
    port: int
    user: str = PG_USER
    _template: str | None = None

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://{self.user}@{self.host}:{self.port}/{database}"

    async def _execute(self, sql: str) -> None:
        connection = await asyncpg.connect(host=self.host, port=self.port, user=self.user, database="postgres")
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    async def create_database(self, *, migrated: bool) -> str:
        """A new database: empty, or a copy of one ``migrate()`` brought to head this session.

        Copying the migrated template (~50 ms) instead of migrating each database (~200 ms)
        keeps a PostgreSQL test about as fast as a SQLite one.
        """
        name = f"test_{uuid.uuid4().hex[:16]}"
        template = ""
        if migrated:
            if self._template is None:
                await self._execute('CREATE DATABASE "migrated_template"')
                await migrate(self.url("migrated_template"))
                self._template = "migrated_template"
            template = f' TEMPLATE "{self._template}"'
        await self._execute(f'CREATE DATABASE "{name}"{template}')
        return name

    async def drop_database(self, name: str) -> None:
        await self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class PgDatabases:
    """Fresh PostgreSQL databases for one test, dropped when it ends."""

    server: PostgresServer
    names: list[str] = field(default_factory=list)

    async def __call__(self, *, migrated: bool = True) -> str:
        name = await self.server.create_database(migrated=migrated)
        self.names.append(name)
        url = self.server.url(name)
        if migrated:
            await migrate(url)  # a no-op on the migrated copy; proves it is at head
        return url

    async def drop_all(self) -> None:
        for name in self.names:
            await self.server.drop_database(name)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    if os.environ.get(SKIP_PG_ENV) == "1":
        pytest.skip(f"{SKIP_PG_ENV}=1: PostgreSQL tests skipped")
    bindir = find_bindir()
    if bindir is None:
        where = os.environ.get(BINDIR_ENV) or "PATH or /usr/lib/postgresql/*/bin"
        pytest.fail(
            f"PostgreSQL server binaries (initdb, pg_ctl) were not found in {where}. Install them "
            f"(`apt-get install -y --no-upgrade postgresql`), point {BINDIR_ENV} at their directory, "
            f"or set {SKIP_PG_ENV}=1 to skip the PostgreSQL tests.",
            pytrace=False,
        )
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(PG_USER)
        except KeyError:
            pytest.fail(f"running as root needs a '{PG_USER}' user to run initdb/pg_ctl as", pytrace=False)
    # Not under pytest's tmp_path: its parents are private to root, and postgres must reach the data dir.
    # On tmpfs when there is one: CREATE DATABASE copies files, 6x faster in memory than on this disk.
    shm = Path("/dev/shm")  # noqa: S108
    base = Path(tempfile.mkdtemp(prefix="practice-bot-pg-", dir=shm if os.access(shm, os.W_OK) else None))
    data, sockets, logfile = base / "data", base / "sockets", base / "server.log"
    sockets.mkdir()
    if os.geteuid() == 0:
        for path in (base, sockets):
            shutil.chown(path, PG_USER, PG_USER)
    run_pg([str(bindir / "initdb"), "-D", str(data), "-U", PG_USER, "--auth=trust", "--no-sync", "-E", "UTF8",
          "--locale=C.UTF-8"])
    port = 0
    for attempt in range(3):
        port = free_port()
        options = (f"-k {sockets} -c listen_addresses=127.0.0.1 -p {port} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        try:
            run_pg([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(logfile), "-w", "-o", options, "start"])
            break
        except RuntimeError:
            if attempt == 2:
                server_log = logfile.read_text() if logfile.exists() else ""
                shutil.rmtree(base, ignore_errors=True)
                raise RuntimeError(f"PostgreSQL did not start:\n{server_log}") from None
    try:
        yield PostgresServer("127.0.0.1", port)
    finally:
        with contextlib.suppress(RuntimeError):
            run_pg([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
async def pg_url_factory(postgres_server: PostgresServer) -> AsyncIterator[Callable[..., Awaitable[str]]]:
    """``await pg_url_factory()`` -> the URL of a fresh migrated database (``migrated=False``: empty)."""
    databases = PgDatabases(postgres_server)
    yield databases
    await databases.drop_all()


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh database migrated to head: a SQLite file, or a database on the session's PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'practice.db'}"
        await migrate(url)
        yield url
        return
    # Looked up only for this case, so SQLite-only runs never start a server.
    databases = PgDatabases(request.getfixturevalue("postgres_server"))
    try:
        yield await databases()
    finally:
        await databases.drop_all()
