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
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg

PG_USER = "postgres"
BINDIR_ENV = "PRACTICE_BOT_PG_BINDIR"


def pg_bindir() -> Path:
    """``$PRACTICE_BOT_PG_BINDIR``, else ``initdb`` on PATH, else the newest /usr/lib/postgresql/*/bin."""
    wanted = os.environ.get(BINDIR_ENV)
    candidates = [Path(wanted)] if wanted else []
    if not wanted:
        found = shutil.which("initdb")
        if found:
            candidates.append(Path(found).resolve().parent)
        candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                                               key=lambda p: int(Path(p).parent.name), reverse=True)]
    for directory in candidates:
        if (directory / "initdb").exists() and (directory / "pg_ctl").exists():
            return directory
    raise RuntimeError(f"PostgreSQL binaries (initdb, pg_ctl) not found; set {BINDIR_ENV} "
                       "or `apt-get install -y --no-upgrade postgresql`")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(command: list[str]) -> None:
    if os.geteuid() == 0:  # initdb and pg_ctl refuse to run as root
        command = ["runuser", "-u", PG_USER, "--", *command]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")


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
            _run([str(bindir / "initdb"), "-D", str(base / "data"), "-U", PG_USER, "--auth=trust", "--no-sync",
                  "-E", "UTF8", "--locale=C.UTF-8"])
            extra = " ".join(f"-c {setting}" for setting in settings)
            port = 0
            for attempt in range(3):
                port = _free_port()
                options = f"-k {sockets} -c listen_addresses=127.0.0.1 -p {port} -c fsync=off {extra}"
                try:
                    _run([str(bindir / "pg_ctl"), "-D", str(base / "data"), "-l", str(logfile), "-w",
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
                    _run([str(bindir / "pg_ctl"), "-D", str(base / "data"), "-m", "immediate", "-w", "stop"])
        finally:
            shutil.rmtree(base, ignore_errors=True)
