"""Hostile console input: lines from every unicode category, control characters, huge lines and
look-alike digits, through the real adapter on SQLite and PostgreSQL; and raw bytes that are not
UTF-8 on a pipe to the real process. No traceback, nothing typed as an answer lost, and the
console still answers a command afterwards."""

from __future__ import annotations

import io
import logging
import os
import random
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.adapters.console import ConsoleAdapter
from bot.core.interviews.rules import parse_steer
from bot.core.normalise import fit_answer
from bot.core.service import PracticeService
from bot.scheduling.clock import FakeClock
from bot.scoring.offline import OfflineScorer
from bot.storage.database import create_engine
from bot.storage.repository import SqlStore
from framework import load
from tests.adapters.hostile import KeptRecords, every_char, fuzz
from tests.adapters.slack.conftest import START

line_text = st.text(every_char.filter(lambda c: c != "\n"), max_size=150)
odd_lines = st.one_of(
    line_text,
    st.sampled_from(["!²", "!٣", "!0", "!99999999999999999999", "!00", "/thread ²", "/thread 1²",
                     "/thread -1",
                     "/practice section ²", "/practice interview \x00", "/practice schedule 09:30 \ud800",
                     "/practice streak \x1b[31m", "/channel", "/help"]),
    line_text.map(lambda t: "/practice " + t),
    line_text.map(lambda t: "!" + t),
)


def is_message(line: str) -> bool:
    """What the console takes as a message in the current thread (everything else is one of its words)."""
    stripped = line.strip()
    words = stripped.startswith(("/practice", "practice ", "/thread")) or stripped in {"/channel", "/help"}
    pressed = stripped.startswith("!") and stripped[1:].isascii() and stripped[1:].isdigit() and len(stripped) <= 7
    return bool(stripped) and not words and not pressed


@pytest.fixture
def records() -> Iterator[KeptRecords]:
    kept = KeptRecords()
    logging.getLogger().addHandler(kept)
    yield kept
    logging.getLogger().removeHandler(kept)


@pytest.fixture
async def service(database_url: str) -> AsyncIterator[PracticeService]:
    store = SqlStore(create_engine(database_url))
    yield PracticeService(store=store, framework=load(), scorer=OfflineScorer(), clock=FakeClock(START),
                          rng=random.Random(7))
    await store.close()


async def test_hostile_lines_leave_no_traceback_and_lose_no_answer(service: PracticeService,
                                                                    records: KeptRecords) -> None:
    out = io.StringIO()
    console = ConsoleAdapter(service, timezone="UTC", stdin=io.StringIO(""), stdout=out, user_name="al\x00ice")
    service.attach(console.chat)
    await console.handle_line("/practice interview url-shortener 90")
    interview = await service.interviews.active_for(console.user)
    assert interview is not None and console.chat.current_thread == interview.thread

    lines: list[str] = []
    answers: list[str] = []

    @fuzz(200)
    @given(st.one_of(odd_lines, line_text.map(lambda t: "My answer: " + t),
                     st.text(every_char, min_size=1, max_size=3).map(lambda t: "My answer: " + t * 8000)))
    def typed(line: str) -> None:
        stripped = line.strip()
        if parse_steer(line) is not None or stripped in {f"!{n}" for n in range(1, 10)}:
            return  # `end` or its button would close the interview the answers go to
        lines.append(line)
        if is_message(line) and fit_answer(line).text:
            answers.append(line)

    typed()
    lines.append("My answer: " + "long " * 5000)  # always one over the cap, whatever hypothesis drew
    answers.append(lines[-1])
    thread = console.chat.current_thread
    for line in lines:
        console.chat.current_thread = thread  # hostile `/channel` and `/thread` lines must not move the answers
        await console.handle_line(line)
    await service.dispatcher.drain()

    assert console.user.display_name == "alice"
    stored = [a.text for a in await service.store.answers_for_phase(interview.id, 0)]
    assert stored == [fit_answer(a).text for a in answers]
    cut = sum(fit_answer(a).cut for a in answers)
    assert out.getvalue().count("longer than 20,000 characters") == cut >= 1, "each cut answer was told so"
    assert records.tracebacks() == []
    assert not any("made storable" in m for m in records.messages()), "normalised before storage"
    before = len(out.getvalue())
    await console.handle_line("/practice help")
    assert "/practice interview [scenario] [minutes]" in out.getvalue()[before:]


def test_bytes_that_are_not_utf8_do_not_end_the_session(tmp_path: Path) -> None:
    hostile = b"\n".join([b"\xff\xfe broken", b"\xed\xa0\x80 surrogate bytes", b"nul \x00 here", b"!\xc2\xb2",
                          b"/thread \xc2\xb2", b"/practice section \xc3", b"\r\r", b"/practice help", b""])
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path}/console.db", LOG_LEVEL="WARNING")
    for key in ("SLACK_BOT_TOKEN", "DISCORD_TOKEN", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        env.pop(key, None)
    result = subprocess.run([sys.executable, "-m", "bot", "console"], input=hostile, capture_output=True,
                            env=env, timeout=120, check=False)
    out, err = result.stdout.decode("utf-8", "replace"), result.stderr.decode("utf-8", "replace")
    assert result.returncode == 0, err
    assert "/practice interview [scenario] [minutes]" in out, "the last line, a command, was answered"
    assert "Traceback" not in out + err
