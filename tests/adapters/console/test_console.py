"""The console adapter, end to end: a scripted session on a pipe plays to the end and exits."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from bot.adapters.console import ConsoleAdapter
from bot.charts import MatplotlibCharts
from bot.core.service import PracticeService
from bot.scheduling.clock import FakeClock
from bot.scoring.offline import OfflineScorer
from bot.storage.database import create_engine, migrate
from bot.storage.repository import SqlStore
from framework import load
from tests.charts.pngs import png_size

SCRIPT = """/practice help
/practice interview url-shortener 15
We design with the team we have: they know Postgres and Python, so pragmatic choices win.
next
Why now: growth goal. Personas: marketers and casual users. p95 latency 50 ms, 20k requests per second.
hint
next
/practice streak
"""


def run_console(tmp_path: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path}/console.db", LOG_LEVEL="WARNING")
    for key in ("SLACK_BOT_TOKEN", "DISCORD_TOKEN", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        env.pop(key, None)
    return subprocess.run([sys.executable, "-m", "bot", *args], input=script, capture_output=True, text=True,
                          env=env, timeout=120, check=False)


def test_scripted_session_on_a_pipe_plays_to_the_end(tmp_path: Path) -> None:
    result = run_console(tmp_path, SCRIPT, "console", "--speed", "600")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "practice-bot console ready" in out
    assert "/practice interview [scenario] [minutes]" in out
    assert "[thread 1] 0. Real-World Framing" in out
    assert "[thread 1] 1. Scope & Assumptions" in out
    assert "[thread 1] Hint" in out
    # after end of input the clock (600x) runs the remaining phases out to the scorecard
    assert "[thread 1] 7. Scalability, Reliability & Performance" in out
    assert "[thread 1] Scorecard: URL shortener" in out
    assert "Current streak: 1 day" in out
    assert "Traceback" not in out + result.stderr


def test_run_without_tokens_starts_the_console(tmp_path: Path) -> None:
    result = run_console(tmp_path, "/practice sections\n/quit\n", "run")
    assert result.returncode == 0, result.stderr
    assert "practice-bot console ready" in result.stdout
    assert "5. Backend Core Services (10 min)" in result.stdout
    assert (tmp_path / "console.db").exists()


def test_bad_input_in_the_console_is_answered_not_crashed(tmp_path: Path) -> None:
    script = "/practice interview nowhere 5\n/practice schedule 9:99\n/practice section 42\n!7\n/thread 9\n"
    result = run_console(tmp_path, script, "console")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "10 to 90 minutes" in out
    assert "not a time of day" in out
    assert "no section 42" in out
    assert "(no such button)" in out
    assert "(no such thread" in out


async def test_console_adapter_in_process_marks_thread_messages(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/inproc.db"
    await migrate(url)
    store = SqlStore(create_engine(url))
    service = PracticeService(store=store, framework=load(), scorer=OfflineScorer(), clock=FakeClock())
    out = io.StringIO()
    adapter = ConsoleAdapter(service, timezone="UTC", stdin=io.StringIO(""), stdout=out)
    await adapter.start()
    await adapter.stop()
    await adapter.handle_line("/practice interview chat-app 10")
    await adapter.handle_line("!2")
    await adapter.handle_line("Users: teens and families; MVP is 1:1 messaging")
    await store.close()
    text = out.getvalue()
    assert "bot> Mock interview: Chat app" in text or "Mock interview:" in text
    assert "[thread 1] Hint" in text
    assert "[!1] Next section  [!2] Hint  [!3] End interview" in text


async def _console(tmp_path: Path, clock: FakeClock) -> tuple[ConsoleAdapter, PracticeService, SqlStore, io.StringIO]:
    url = f"sqlite:///{tmp_path}/first.db"
    await migrate(url)
    store = SqlStore(create_engine(url))
    service = PracticeService(store=store, framework=load(), scorer=OfflineScorer(), clock=clock)
    out = io.StringIO()
    adapter = ConsoleAdapter(service, timezone="UTC", stdin=io.StringIO(""), stdout=out)
    await adapter.start()
    await adapter.stop()
    return adapter, service, store, out


async def test_a_first_interview_in_the_console_reads_cleanly(tmp_path: Path) -> None:
    clock = FakeClock()
    adapter, service, store, out = await _console(tmp_path, clock)
    try:
        await adapter.handle_line("/practice interview url-shortener 10")
        interview = await service.store.active_interview(adapter.user)
        assert interview is not None
        # commands in the thread are case-insensitive; other slash-text is not stored as an answer
        await adapter.handle_line("/PRACTICE HELP")
        assert "/practice interview [scenario] [minutes]" in out.getvalue()
        await adapter.handle_line("/foo")
        assert "`/foo` is not an answer" in out.getvalue()
        await adapter.handle_line("NEXT")
        # `skip` after an answer keeps it, scores it, and says so
        await adapter.handle_line("Why now: growth. Personas: marketers. p95 latency 50 ms at 20k requests per second.")
        await adapter.handle_line("skip")
        await service.dispatcher.drain()
        text = out.getvalue()
        assert "so I kept your answer and scored it" in text
        assert "Scored by: offline" in text, "the console shows which scorer made the card"
        assert [a.text for a in await store.answers_for_phase(interview.id, 0)] == []
        assert len(await store.answers_for_phase(interview.id, 1)) == 1
        # let the clock run the interview out: the last phase's time-up leads to the scorecard
        for _ in range(12):
            clock.advance(minutes=2)
            await service.tick()
        await service.dispatcher.drain()
        text = out.getvalue()
        finished = await store.get_interview(interview.id)
        assert finished is not None and finished.status == "finished"
        assert 1 not in finished.skipped, "an answered phase is never marked skipped"
        tail = text[text.rindex("Time is up"):]
        assert "your scorecard follows" in tail and "Moving on" not in tail
        assert "Scorecard: URL shortener" in tail
        assert "Scope & Assumptions: skipped" not in text
    finally:
        await store.close()


async def test_private_replies_prompts_and_schedules_read_cleanly_in_the_console(tmp_path: Path) -> None:
    clock = FakeClock()
    adapter, service, store, out = await _console(tmp_path, clock)
    try:
        await adapter.handle_line("/practice section 6")
        assert out.getvalue().count("(only you)") == 1
        await adapter.handle_line("/practice schedule 09:30 Europe/Berlin mon-fri")
        schedule = out.getvalue().splitlines()[-1]
        assert "on Mon-Fri" in schedule and "(Europe/Berlin)" in schedule and "UTC" not in schedule
        await adapter.handle_line("/practice prompt")
        await service.dispatcher.drain()
        assert "Design challenge:" in out.getvalue() and "*Build" not in out.getvalue()
        buttons = adapter.chat.last_buttons
        await adapter.handle_line("We would use Postgres because the team knows it, with a cache in front.")
        assert '✅ on "We would use Postgres because the team' in out.getvalue()
        assert "on your message" not in out.getvalue(), "no internal ids"
        adapter.chat.last_buttons = buttons
        await adapter.handle_line("!1")  # Show checklist, after answering
        assert "Thanks, your answer is in" in out.getvalue() and "Answer first" not in out.getvalue()
        await adapter.handle_line("/practice prompt")
        again = out.getvalue().splitlines()[-1]
        assert "in the thread \"Daily practice" in again and "  Answer" not in again and " Answer in its" not in again
    finally:
        await store.close()


async def test_a_follow_up_in_the_console_thread(tmp_path: Path) -> None:
    clock = FakeClock()
    adapter, service, store, out = await _console(tmp_path, clock)
    try:
        await adapter.handle_line("/practice interview url-shortener 45 staff")
        await adapter.handle_line("next")
        await adapter.handle_line("We keep it simple: the team knows Postgres.")
        clock.advance(seconds=20)
        await service.tick()
        await service.dispatcher.drain()
        lines = out.getvalue().splitlines()
        start = lines.index("  [thread 1] Follow-up")
        assert "fails first" in lines[start + 1], "staff-level follow-ups go deeper"
    finally:
        await store.close()


async def test_stats_in_the_console_write_the_picture_and_print_its_path(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/stats.db"
    await migrate(url)
    store = SqlStore(create_engine(url))
    charts = MatplotlibCharts()
    clock = FakeClock()
    service = PracticeService(store=store, framework=load(), scorer=OfflineScorer(), clock=clock, charts=charts)
    out = io.StringIO()
    adapter = ConsoleAdapter(service, timezone="UTC", stdin=io.StringIO(""), stdout=out)
    adapter.chat.files_dir = tmp_path / "pictures"
    await adapter.start()
    await adapter.stop()
    try:
        await adapter.handle_line("/practice interview url-shortener 10")
        await adapter.handle_line("next")
        await adapter.handle_line("Why now: growth. Personas: marketers. p95 latency 50 ms at 20k requests per second.")
        await adapter.handle_line("end")
        await service.dispatcher.drain()
        await adapter.handle_line("/practice stats")
        lines = out.getvalue().splitlines()
        [picture] = [line for line in lines if line.startswith("bot> (picture) ")]
        path = Path(picture.removeprefix("bot> (picture) "))
        assert path.parent == tmp_path / "pictures" and path.name.endswith("practice-stats.png")
        assert png_size(path.read_bytes()) == (1100, 800), "the printed path holds the PNG that was drawn"
        alt = lines[lines.index(picture) + 1]
        assert alt.startswith("bot>   alt: ") and "calendar" in alt
        # a directory that cannot be written: the same facts as text, and no path
        adapter.chat.files_dir = tmp_path / "not-a-dir"
        (tmp_path / "not-a-dir").write_text("a file, not a directory")
        before = len(out.getvalue())
        await adapter.handle_line("/practice team")
        after = out.getvalue()[before:]
        assert "(picture)" not in after
        assert "(the picture as text)" in after
    finally:
        charts.close()
        await store.close()


async def test_a_drill_in_the_console_is_a_private_thread_answered_and_scored_at_once(tmp_path: Path) -> None:
    clock = FakeClock()
    adapter, service, store, out = await _console(tmp_path, clock)
    try:
        await adapter.handle_line("/practice drill")
        text = out.getvalue()
        assert "(private to " in text and "Drill: " in text
        assert "-- Drill: " in text and "(type to answer here) --" in text
        assert "(only you) Your drill is in your direct messages" in text
        await adapter.handle_line("Scale out behind a load balancer with stateless servers and read replicas.")
        await service.dispatcher.drain()
        text = out.getvalue()
        assert "✅ on \"Scale out behind a load balancer" in text
        assert "Drill scored" in text.split("-- Drill: ", 1)[1]
        streak = await store.get_streak(adapter.user)
        assert streak is not None and streak.total_days == 1
    finally:
        await store.close()
