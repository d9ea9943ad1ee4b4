"""`practice-bot` in a shell: one clear line per outcome, a closed pipe is not an error."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path}/cli.db")
    for key in ("SLACK_BOT_TOKEN", "DISCORD_TOKEN", "DISCORD_APPLICATION_ID", "OPENAI_API_KEY", "OPENAI_BASE_URL",
                "LOG_LEVEL"):
        env.pop(key, None)
    env.update(extra)
    return env


def _bot(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          env=_env(tmp_path, **extra), timeout=60, check=False)


def test_migrate_says_once_what_it_did(tmp_path: Path) -> None:
    first = _bot(tmp_path, "migrate")
    assert first.returncode == 0, first.stderr
    assert (first.stdout + first.stderr).strip() == "database migrated to the newest revision"
    again = _bot(tmp_path, "migrate")
    assert (again.stdout + again.stderr).strip() == "database is already up to date"


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    answer = "We pick Postgres because the team knows it; Redis caches hot reads; S3 holds the media.\n"
    command = (f"{sys.executable} -m bot score --section 6 --offline | head -3")
    result = subprocess.run(["sh", "-c", command], input=answer, capture_output=True, text=True,
                            env=_env(tmp_path), timeout=60, check=False)
    assert len(result.stdout.splitlines()) == 3
    assert "Broken pipe" not in result.stderr and "error id" not in result.stderr, result.stderr


def test_invite_url_with_a_token_that_names_no_application_says_so(tmp_path: Path) -> None:
    result = _bot(tmp_path, "discord", "invite-url", DISCORD_TOKEN="not-a-real-token")
    assert result.returncode == 2
    assert "DISCORD_TOKEN is set but does not look like a bot token" in result.stderr
    assert "or DISCORD_TOKEN" not in result.stderr
    unset = _bot(tmp_path, "discord", "invite-url")
    assert "set DISCORD_APPLICATION_ID" in unset.stderr


def test_the_license_is_an_spdx_string_not_a_deprecated_table() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "MIT"
    assert any(r.startswith("setuptools>=77") for r in project["build-system"]["requires"])
