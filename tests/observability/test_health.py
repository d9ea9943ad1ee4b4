"""``/healthz`` and ``/readyz`` over HTTP at METRICS_PORT, and the logs' redaction."""

from __future__ import annotations

import io
import json
import logging

from sqlalchemy import text

from bot.adapters.console import ConsoleAdapter
from bot.config import Settings
from bot.observability.health import Health
from bot.observability.logs import formatter
from bot.runtime import build_runtime, start_ops_server
from bot.scheduling.clock import FakeClock
from tests.observability.scrape import get


async def test_ready_only_while_serving_with_the_schema_at_head(database_url: str) -> None:
    settings = Settings(database_url=database_url, metrics_port=0, metrics_host="127.0.0.1", _env_file=None)
    runtime = await build_runtime(settings, clock=FakeClock(), offline_only=True)
    try:
        await start_ops_server(runtime)
        assert runtime.ops_server is not None and runtime.ops_server.port and runtime.health is not None
        port = runtime.ops_server.port
        assert ((await get(port, "/readyz")).status, (await get(port, "/readyz")).text) == (503, "starting")
        assert (await get(port, "/healthz")).status == 200, "alive while starting, before the first tick"
        adapter = ConsoleAdapter(runtime.service, timezone="UTC", stdin=io.StringIO(""), stdout=io.StringIO())
        await adapter.start()
        runtime.health.serving([adapter])
        ready = await get(port, "/readyz")
        assert (ready.status, ready.text) == (200, "ready")
        await adapter.stop()
        down = await get(port, "/readyz")
        assert (down.status, down.text) == (503, "not connected: console")
        async with runtime.store.engine.begin() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = 'elsewhere'"))
        behind = await get(port, "/readyz")
        assert behind.status == 503 and behind.text.startswith("migrations not at head")
        runtime.health.stopping()
        assert (await get(port, "/readyz")).text == "stopping"
        assert (await get(port, "/nothing")).status == 404
    finally:
        await runtime.close()


class _NoStore:
    async def operations_snapshot(self) -> object:
        raise AssertionError("not read")

    async def schema_problem(self) -> str | None:
        return None


def test_alive_means_a_recent_tick() -> None:
    now = [0.0]
    health = Health(store=_NoStore(), stale_after=60, now=lambda: now[0])  # type: ignore[arg-type]
    now[0] = 59
    assert health.alive().ok, "no tick yet, but started less than a minute ago"
    now[0] = 61
    assert not health.alive().ok
    health.ticked()
    now[0] = 100
    assert health.alive().ok
    now[0] = 122
    verdict = health.alive()
    assert not verdict.ok and verdict.reason == "last tick 61 s ago"


def _line(log_format: str, record: logging.LogRecord, secrets: list[str]) -> str:
    return formatter(log_format, secrets=secrets).format(record)


def test_json_lines_carry_the_fields_and_never_a_secret_or_a_body() -> None:
    record = logging.LogRecord("bot.adapters.slack.listeners", logging.ERROR, __file__, 1,
                               "error %s handling slack:T1:C1:1.000001 with xoxb-1234-abcdef and s3cret-value",
                               ("E-0A1B2C3D",), None)
    entry = json.loads(_line("json", record, ["s3cret-value"]))
    assert entry["level"] == "ERROR" and entry["logger"] == "bot.adapters.slack.listeners"
    assert entry["error_id"] == "E-0A1B2C3D" and entry["platform"] == "slack"
    assert entry["event_key"] == "slack:T1:C1:1.000001"
    assert "xoxb-1234" not in entry["message"] and "s3cret-value" not in entry["message"]
    assert entry["time"].endswith("+00:00")
    bolt = logging.LogRecord("slack_bolt.AsyncApp", logging.INFO, __file__, 1,
                             "Invalid request signature detected (signature: v0=x, timestamp: 1, body: "
                             "token=abc&text=my+private+answer)", None, None)
    for log_format in ("json", "text"):
        line = _line(log_format, bolt, [])
        assert "private" not in line and "[body not logged]" in line
