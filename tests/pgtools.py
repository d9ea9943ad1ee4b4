"""Finding and driving PostgreSQL's server binaries, shared by the test fixtures and bench/.

``initdb`` and ``pg_ctl`` refuse to run as root, so as root they run as the ``postgres`` user.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
from pathlib import Path

BINDIR_ENV = "PRACTICE_BOT_PG_BINDIR"
PG_USER = "postgres"


def find_bindir() -> Path | None:
    """``$PRACTICE_BOT_PG_BINDIR`` if set, else ``initdb`` on PATH, else the newest /usr/lib/postgresql/*/bin."""
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
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def as_postgres(command: list[str]) -> list[str]:
    """The command as the postgres user when we are root (initdb and pg_ctl refuse root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", PG_USER, "--", *command]
    return command


def run_pg(command: list[str]) -> None:
    result = subprocess.run(as_postgres(command), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
