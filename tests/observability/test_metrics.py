"""``/metrics`` after a scripted interview: each counter moved by exactly what happened."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.adapters.console import ConsoleAdapter
from bot.config import Settings
from bot.runtime import Runtime, build_runtime, start_ops_server
from bot.scheduling.clock import FakeClock
from bot.storage.models import Outbox
from tests.observability.scrape import get, samples, total, value


@pytest.fixture
async def running(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[Runtime, ConsoleAdapter, FakeClock]]:
    clock = FakeClock()
    settings = Settings(database_url=database_url, metrics_port=0, metrics_host="127.0.0.1", _env_file=None)
    runtime = await build_runtime(settings, clock=clock, offline_only=True)
    adapter = ConsoleAdapter(runtime.service, timezone="UTC", stdin=io.StringIO(""), stdout=io.StringIO())
    await start_ops_server(runtime)
    await adapter.start()
    await adapter.stop()  # lines are fed by hand below; nothing reads stdin
    try:
        yield runtime, adapter, clock
    finally:
        await runtime.close()


async def sent_rows(runtime: Runtime) -> int:
    async with runtime.store.engine.connect() as connection:
        return int((await connection.execute(
            select(func.count()).select_from(Outbox).where(Outbox.state == "sent"))).scalar_one())


async def test_a_scripted_interview_moves_each_counter_by_what_happened(
        running: tuple[Runtime, ConsoleAdapter, FakeClock]) -> None:
    runtime, adapter, _ = running
    assert runtime.ops_server is not None and runtime.ops_server.port
    port = runtime.ops_server.port
    before = await get(port, "/metrics")
    assert before.status == 200 and before.content_type.startswith("text/plain")
    assert total(before.text, "practice_bot_commands_total") == 0

    await adapter.handle_line("/practice help")
    await adapter.handle_line("/practice interview url-shortener 10")
    await adapter.handle_line("/practice frobnicate")  # refused: not a command
    await adapter.handle_line("We keep it simple: the team knows Postgres, so we pick it for the store.")
    await adapter.handle_line("next")
    await adapter.handle_line("Personas: marketers. p95 latency 50 ms at 20k requests per second.")
    await runtime.service.dispatcher.drain()

    during = (await get(port, "/metrics")).text
    assert value(during, "practice_bot_commands_total", command="help", outcome="ok") == 1
    assert value(during, "practice_bot_commands_total", command="interview", outcome="ok") == 1
    assert value(during, "practice_bot_commands_total", command="unknown", outcome="refused") == 1
    assert total(during, "practice_bot_commands_total") == 3, "steering words and answers are not commands"
    assert value(during, "practice_bot_answers_recorded_total", kind="interview") == 2
    assert value(during, "practice_bot_live_interviews") == 1
    assert total(during, "practice_bot_outbox_sent_total") == await sent_rows(runtime) > 0
    assert total(during, "practice_bot_outbox_send_seconds_count") == await sent_rows(runtime)

    await adapter.handle_line("end")
    await runtime.service.dispatcher.drain()
    after = (await get(port, "/metrics")).text
    assert value(after, "practice_bot_live_interviews") == 0
    assert value(after, "practice_bot_commands_total", command="interview", outcome="ok") == 1
    assert value(after, "practice_bot_answers_recorded_total", kind="interview") == 2
    assert total(after, "practice_bot_outbox_sent_total") == await sent_rows(runtime)
    assert value(after, "practice_bot_outbox_rows", state="pending") == 0
    assert total(after, "practice_bot_outbox_failed_total") == 0


async def test_labels_never_carry_a_person_or_a_channel(running: tuple[Runtime, ConsoleAdapter, FakeClock]) -> None:
    runtime, adapter, _ = running
    assert runtime.ops_server is not None and runtime.ops_server.port
    await adapter.handle_line("/practice streak @somebody-with-a-long-name")
    await adapter.handle_line("/practice interview url-shortener 10")
    await runtime.service.dispatcher.drain()
    text = (await get(runtime.ops_server.port, "/metrics")).text
    label_values = {v for (_, labels) in samples(text) for _, v in labels}
    assert not any(adapter.user.user_id in v or "somebody" in v for v in label_values)
    for name, _ in samples(text):
        assert name.startswith("practice_bot_") or name.startswith(("python_", "process_")), name


async def test_ticks_report_duration_and_the_lateness_of_due_work(database_url: str) -> None:
    from bot.scheduling.ticker import Ticker

    clock = FakeClock()
    settings = Settings(database_url=database_url, _env_file=None)
    runtime = await build_runtime(settings, clock=clock, offline_only=True)
    try:
        seen: list[tuple[float, float | None]] = []

        def on_tick(seconds: float, lateness: float | None) -> None:
            seen.append((seconds, lateness))
            runtime.metrics.ticked(seconds, lateness)

        ticker = Ticker(runtime.service.tick, interval_seconds=3600, on_tick=on_tick)
        await ticker.tick_now()
        await ticker._safe_tick(planned=clock.now())  # a tick planned for a due moment
        text = runtime.metrics.render().decode()
        assert value(text, "practice_bot_tick_duration_seconds_count") == 2
        assert value(text, "practice_bot_due_lateness_seconds_count") == 1, "only a planned tick has a lateness"
        assert seen[0][1] is None and seen[1][1] is not None
        assert value(text, "practice_bot_last_tick_timestamp_seconds") > 0
    finally:
        await runtime.close()
