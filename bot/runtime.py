"""Wiring: settings -> database -> service -> adapters and the ticking clock."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import random
import signal
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TextIO

from bot.adapters.base import Adapter
from bot.config import Settings
from bot.core.interviews import ProbePolicy
from bot.core.leases import RENEW_SECONDS, dead_on_this_host
from bot.core.ports import Clock, Prober, Scorer
from bot.core.service import PracticeService
from bot.observability.health import Health
from bot.observability.logs import install as install_logging
from bot.observability.metrics import PrometheusMetrics, RateLimitLog
from bot.observability.scoring import metered
from bot.observability.server import AsgiServer, OpsApp
from bot.scheduling.clock import ScaledClock, SystemClock
from bot.scheduling.ticker import Ticker
from bot.storage.database import create_engine, migrate
from bot.storage.repository import SqlStore
from framework import load

log = logging.getLogger(__name__)

CLOSE_TIMEOUT_SECONDS = 15.0

QUIET_LOGGERS = ("discord", "discord.http", "discord.gateway", "slack_sdk", "slack_bolt", "apscheduler",
                 "httpx", "httpx2", "openai", "uvicorn.access", "aiosqlite", "asyncio", "alembic")


def configure_logging(level: str, *, log_format: str = "text", secrets: Iterable[str] = (),
                      stream: TextIO | None = None) -> None:
    """The root handler (plain lines or ``LOG_FORMAT=json``; secrets and request bodies redacted)."""
    install_logging(level, log_format=log_format, secrets=secrets, stream=stream or sys.stderr)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))
    # A tick that outlasts its interval is skipped by design (max_instances=1); not worth a warning.
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)


def build_scorer(settings: Settings, *, offline_only: bool = False) -> Scorer:
    from bot.scoring.offline import OfflineScorer

    offline = OfflineScorer()
    if offline_only or not settings.llm_configured:
        return offline
    from bot.scoring.llm import LlmScorer  # imported lazily: openai costs ~0.5 s at start-up

    return LlmScorer.from_settings(settings, fallback=offline)


@dataclass
class Runtime:
    settings: Settings
    service: PracticeService
    store: SqlStore
    metrics: PrometheusMetrics = field(default_factory=PrometheusMetrics)
    health: Health | None = None
    ops: OpsApp | None = None
    """``/metrics``, ``/healthz``, ``/readyz``: served at ``METRICS_PORT`` and in Slack HTTP mode."""
    ops_server: AsgiServer | None = None
    adapters: list[Adapter] = field(default_factory=list)
    ticker: Ticker | None = None
    lease_keeper: asyncio.Task[None] | None = None
    inbox_keeper: asyncio.Task[None] | None = None
    """Takes up inbound items a dead replica had taken and not finished, once its lease expires."""

    async def close(self) -> None:
        """Stop the clock (letting a tick finish), the outbox (rows being sent finish, the rest go back to
        the store), the adapters, then the background jobs, the lease and the store."""
        if self.health is not None:
            self.health.stopping()  # /readyz says 503 from now on
        if self.ticker is not None:
            await self.ticker.stop()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.service.dispatcher.stop(), timeout=CLOSE_TIMEOUT_SECONDS)
        for adapter in self.adapters:
            try:
                await asyncio.wait_for(adapter.stop(), timeout=CLOSE_TIMEOUT_SECONDS)
            except Exception:
                log.warning("%s adapter did not stop cleanly", adapter.name, exc_info=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.service.dispatcher.drain(), timeout=CLOSE_TIMEOUT_SECONDS)
        for keeper in (self.inbox_keeper, self.lease_keeper):
            if keeper is not None:
                keeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await keeper
        try:
            await self.service.lease.release()  # what it still claims is free at once, not in 15 s
        except Exception:
            log.warning("could not give up the lease; its claims are free when it expires", exc_info=True)
        close_charts = getattr(self.service.charts, "close", None)
        if close_charts is not None:  # the renderer's worker thread
            close_charts()
        close_scorer = getattr(self.service.scorer, "aclose", None)
        if close_scorer is not None:  # the LLM scorer holds an HTTP client
            await close_scorer()
        if self.ops_server is not None:
            await self.ops_server.stop()
        await self.store.close()


async def build_runtime(settings: Settings, *, clock: Clock | None = None, offline_only: bool = False,
                        rng: random.Random | None = None) -> Runtime:
    await migrate(settings.database_url)
    store = SqlStore(create_engine(settings.database_url))
    metrics = PrometheusMetrics()
    scorer = metered(build_scorer(settings, offline_only=offline_only), metrics)
    from bot.charts import MatplotlibCharts  # matplotlib itself is imported on the first chart only
    from bot.scoring.offline import OfflineScorer

    service = PracticeService(
        store=store,
        framework=load(),
        scorer=scorer,
        clock=clock or SystemClock(),
        rng=rng,
        default_timezone=settings.default_timezone,
        prompt_window_hours=settings.prompt_window_hours,
        prober=scorer if isinstance(scorer, Prober) else None,
        coverage=OfflineScorer(),
        probes=ProbePolicy(pause_seconds=settings.probe_pause_seconds,
                           min_seconds_left=settings.probe_min_seconds_left,
                           min_share_left=settings.probe_min_share_left,
                           per_phase=settings.probes_per_phase),
        metrics=metrics,
        charts=MatplotlibCharts(),
        max_pause_days=settings.max_pause_days,
    )
    health = Health(store=store, stale_after=stale_after(settings.tick_seconds))
    ops = OpsApp(health=health, metrics=metrics, store=store)
    return Runtime(settings=settings, service=service, store=store, metrics=metrics, health=health, ops=ops)


def stale_after(tick_seconds: float) -> float:
    """How long without a tick before ``/healthz`` fails (the same limit as ``practice-bot healthcheck``)."""
    return max(60.0, tick_seconds * 6)


def platform_adapters(settings: Settings, service: PracticeService, *,
                      runtime: Runtime | None = None) -> list[Adapter]:
    """Every adapter whose tokens are configured (imports stay lazy: start-up time matters). With
    ``runtime``, they report to its metrics, and Slack HTTP mode serves its ``/metrics`` and probes."""
    adapters: list[Adapter] = []
    metrics = runtime.metrics if runtime is not None else None
    if settings.slack_configured:
        from bot.adapters.slack import SlackAdapter

        slack = SlackAdapter(settings, service, ops=runtime.ops if runtime is not None else None,
                             engine=runtime.store.engine if runtime is not None else None)
        if metrics is not None:
            slack.gate.on_limit = lambda method: metrics.limited("slack", method)
        adapters.append(slack)
    if settings.discord_configured:
        from bot.adapters.discord import DiscordAdapter

        if metrics is not None:
            logging.getLogger("discord.http").addHandler(RateLimitLog(metrics))
        adapters.append(DiscordAdapter(settings, service))
    return adapters


async def serve(runtime: Runtime, adapters: list[Adapter], *, tick_seconds: float,
                ready: asyncio.Event | None = None) -> None:
    """Start adapters and the clock; run until an adapter stops or a signal arrives.

    Signal handlers come first (a SIGTERM during start-up still shuts down cleanly) and are
    removed at the end (a second Ctrl-C during shutdown still works).
    """
    runtime.adapters = adapters
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    handled: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Event loops without signal support (Windows' proactor) raise here; Ctrl-C still works there.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
            handled.append(sig)
    heartbeat = runtime.settings.heartbeat_file
    health = runtime.health

    async def tick() -> None:
        await runtime.service.tick(bulk=False, wait=False)  # sends never hold up the next tick
        if heartbeat is not None:
            heartbeat.touch()
        if health is not None:
            health.ticked()

    waiters: list[asyncio.Task[None]] = []
    stopper = asyncio.create_task(stop.wait())
    try:
        await start_ops_server(runtime)  # probes answer (503 "starting") while the adapters connect
        await runtime.service.lease.current()  # taken before any claim; renewed while the process lives
        # A bot restarted after a crash frees its predecessor's lease: its claims are taken up now, not in 15 s.
        await runtime.service.lease.free_dead(dead_on_this_host)
        runtime.lease_keeper = asyncio.create_task(runtime.service.lease.keep_renewed())
        runtime.inbox_keeper = asyncio.create_task(runtime.service.inbox.keep_resuming(RENEW_SECONDS))
        for adapter in adapters:
            await adapter.start()
            log.info("%s adapter ready", adapter.name)
        runtime.ticker = Ticker(tick, interval_seconds=tick_seconds, housekeeping=runtime.service.prune,
                                due=runtime.service.next_due, on_tick=runtime.metrics.ticked)
        runtime.service.on_change = runtime.ticker.wake
        runtime.ticker.start()
        await runtime.ticker.tick_now()  # overdue work resumes within seconds of start-up
        if health is not None:
            health.serving(adapters)
        if ready is not None:
            ready.set()
        freeze_heap()
        waiters = [asyncio.create_task(a.wait()) for a in adapters]
        await asyncio.wait([*waiters, stopper], return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in [*waiters, stopper]:
            task.cancel()
        await runtime.close()
        for sig in handled:
            loop.remove_signal_handler(sig)


async def start_ops_server(runtime: Runtime) -> None:
    """``METRICS_PORT``, when set: ``/metrics``, ``/healthz``, ``/readyz`` on their own small server."""
    port = runtime.settings.metrics_port
    if port is None or runtime.ops is None or runtime.ops_server is not None:
        return
    runtime.ops_server = AsgiServer(runtime.ops, host=runtime.settings.metrics_host, port=port, name="ops-http")
    bound = await runtime.ops_server.start()
    log.info("metrics and probes on %s:%s (/metrics, /healthz, /readyz)", runtime.settings.metrics_host, bound)


def freeze_heap() -> None:
    """Move everything built at start-up out of the garbage collector's sight.

    The framework, SQLAlchemy, bolt and the rest make a large long-lived heap; a full
    collection over it stalled the event loop for ~150 ms (measured: the p99 of Slack acks
    in bench/slack_ack.py went from ~190 ms to ~35 ms with this). Objects made later are
    collected as usual.
    """
    gc.collect()
    gc.freeze()


def console_clock(speed: float) -> ScaledClock:
    """The console's clock: sped up for demos, and paused while piped input is replayed."""
    return ScaledClock(speed)
