"""``practice-bot forget --platform P --member ID``: the operators' forget-me, asked y/n unless ``--yes``."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from bot.core.refs import UserRef
from bot.storage.database import create_engine, migrate
from bot.storage.repository import SqlStore

ADA = UserRef("slack", "U0ADA", "T1", "Ada")
BOB = UserRef("slack", "U0BOB", "T1", "Bob")


def forget(url: str, *args: str, answer: str = "") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DATABASE_URL=url, LOG_LEVEL="INFO")
    return subprocess.run([sys.executable, "-m", "bot", "forget", *args], input=answer, capture_output=True,
                          text=True, env=env, timeout=60, check=False)


async def members(url: str) -> tuple[bool, bool]:
    store = SqlStore(create_engine(url))
    try:
        return await store.get_member(ADA) is not None, await store.get_member(BOB) is not None
    finally:
        await store.close()


async def seed(url: str) -> None:
    await migrate(url)
    store = SqlStore(create_engine(url))
    try:
        await store.ensure_member(ADA)
        await store.ensure_member(BOB)
    finally:
        await store.close()


def test_asks_first_and_deletes_only_on_yes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ops.db'}"
    asyncio.run(seed(url))
    refused = forget(url, "--platform", "slack", "--member", "U0ADA", answer="n\n")
    assert refused.returncode == 1 and "Nothing was deleted." in refused.stdout
    assert asyncio.run(members(url)) == (True, True)

    done = forget(url, "--platform", "slack", "--member", "U0ADA", answer="y\n")
    assert done.returncode == 0, done.stderr
    assert "Delete every row about slack member U0ADA? This cannot be undone. [y/N]" in done.stdout
    assert "Deleted 1 rows: 1 member, 0 answers" in done.stdout
    assert asyncio.run(members(url)) == (False, True)
    assert "forget-me on slack: 1 rows deleted" in done.stderr and "U0ADA" not in done.stderr

    again = forget(url, "--platform", "slack", "--member", "U0ADA", "--yes")
    assert again.returncode == 0 and "nothing was deleted" in again.stdout


def test_bad_arguments_are_clear(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ops.db'}"
    unknown = forget(url, "--platform", "teams", "--member", "U0ADA")
    assert unknown.returncode == 2 and "invalid choice: 'teams'" in unknown.stderr
    blank = forget(url, "--platform", "slack", "--member", " ", "--yes")
    assert blank.returncode == 2 and "--member takes the person's user id" in blank.stderr
    assert "Traceback" not in unknown.stderr + blank.stderr
