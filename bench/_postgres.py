"""A throwaway PostgreSQL server for benchmarks, started and stopped by the script itself.

The same approach as ``tests/conftest.py``: ``initdb``/``pg_ctl`` (as the ``postgres`` user
when run as root) in a temp directory, listening on a free 127.0.0.1 port, ``fsync=off``.
Unlike the test server the data directory is on disk, not ``/dev/shm``: a benchmark
database of several GB must not eat the machine's memory.

    with PostgresServer.started() as server:
        url = server.url("postgres")
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from tests.pgtools import BINDIR_ENV, PG_USER, find_bindir, free_port, run_pg


def pg_bindir() -> Path:
    found = find_bindir()
    if found is None:
        raise RuntimeError(f"PostgreSQL binaries (initdb, pg_ctl) not found; set {BINDIR_ENV} "
                           "or `apt-get install -y --no-upgrade postgresql`")
    return found


@dataclass
class PostgresServer:
    host: str
    port: int
    base: Path
    bindir: Path
    user: str = PG_USER

    @property
    def data(self) -> Path:
        return self.base / "data"

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://{self.user}@{self.host}:{self.port}/{database}"

    async def connect(self, database: str = "postgres") -> asyncpg.Connection:
        return await asyncpg.connect(host=self.host, port=self.port, user=self.user, database=database)

    async def execute(self, sql: str, database: str = "postgres") -> None:
        connection = await self.connect(database)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    def version(self) -> str:
        result = subprocess.run([str(self.bindir / "postgres"), "--version"],
                                capture_output=True, text=True, check=False)
        return result.stdout.strip()

    @classmethod
    @contextlib.contextmanager
    def started(cls, settings: Sequence[str] = ()) -> Iterator[PostgresServer]:
        """Start a fresh server (extra ``-c name=value`` ``settings``); stop it and delete its files on exit."""
        bindir = pg_bindir()
        if os.geteuid() == 0:
            pwd.getpwnam(PG_USER)  # KeyError: no postgres user to run the server as
        base = Path(tempfile.mkdtemp(prefix="practice-bot-bench-pg-"))
        try:
            sockets, logfile = base / "sockets", base / "server.log"
            sockets.mkdir()
            if os.geteuid() == 0:
                for path in (base, sockets):
                    shutil.chown(path, PG_USER, PG_USER)
            run_pg([str(bindir / "initdb"), "-D", str(base / "data"), "-U", PG_USER, "--auth=trust", "--no-sync",
                  "-E", "UTF8", "--locale=C.UTF-8"])
            extra = " ".join(f"-c {setting}" for setting in settings)
            port = 0
            for attempt in range(3):
                port = free_port()
                options = f"-k {sockets} -c listen_addresses=127.0.0.1 -p {port} -c fsync=off {extra}"
                try:
                    run_pg([str(bindir / "pg_ctl"), "-D", str(base / "data"), "-l", str(logfile), "-w",
                          "-o", options, "start"])
                    break
                except RuntimeError:
                    if attempt == 2:
                        log = logfile.read_text() if logfile.exists() else ""
                        raise RuntimeError(f"PostgreSQL did not start:\n{log}") from None
            try:
                yield cls("127.0.0.1", port, base, bindir)
            finally:
                with contextlib.suppress(RuntimeError):
                    run_pg([str(bindir / "pg_ctl"), "-D", str(base / "data"), "-m", "immediate", "-w", "stop"])
        finally:
            shutil.rmtree(base, ignore_errors=True)
