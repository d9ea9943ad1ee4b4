"""P2: the daily fan-out to 10,000 channels against a mock Slack that enforces Slack's limits.

The mock (its own process) accepts at most one ``chat.postMessage`` per second per channel and
``--workspace-rate`` per one-second window across the workspace, and answers 429 with
``Retry-After`` beyond them. It counts accepted posts per channel, so duplicates and missed
posts are read from what "Slack" received.

Two pipelines, reported separately:

* ``service``: the real thing. 10,000 channels scheduled for the same minute in one database;
  ``--replicas`` bot processes tick it at once (each: PracticeService + SqlStore + the Slack
  Chat with its per-channel pacer, shared 429 gate and retry handler). Each prompt is claimed
  in the database before it is posted, so replicas never post twice.
* ``chat``: the Slack Chat alone, ``--concurrency`` sends in flight: what the adapter can do
  when the database is not the bottleneck.

    python -m bench.slack_fanout [--channels 10000] [--workspace-rate 100] [--replicas 2]
                                 [--pipeline service|chat|both] [--postgres | --database-url URL]

Target: messages/s >= 90 % of the mock's ceiling (``--workspace-rate``), 0 duplicates, 0 missed.
The rate is measured from the first to the last accepted post; a timeline of posts and 429s per ten
seconds, and with several replicas each one's share, show where a run loses time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from bench._slack import Child, mock_stats, spawn

log = logging.getLogger("bench.slack_fanout")


def _settings(api_url: str, database_url: str, token: str) -> Any:
    from bot.config import Settings

    return Settings(_env_file=None, slack_bot_token=token, slack_api_url=api_url,  # type: ignore[call-arg]
                    database_url=database_url)


async def _chat(api_url: str, database_url: str, token: str) -> tuple[Any, aiohttp.ClientSession]:
    """The adapter's Chat exactly as ``SlackAdapter.start`` builds it (minus bolt and the socket)."""
    from bot.adapters.slack import SlackChat, SlackOptions
    from bot.adapters.slack.adapter import web_client
    from bot.adapters.slack.pacing import ChannelPacer, RateLimitGate

    options = SlackOptions()
    gate = RateLimitGate()
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=options.connection_limit))
    client = web_client(_settings(api_url, database_url, token), options, gate=gate, session=session)
    return SlackChat(client, pacer=ChannelPacer(options.pacing_seconds), gate=gate), session


# ---------------------------------------------------------------------------- service pipeline
async def setup_channels(database_url: str, channels: int) -> None:
    """``channels`` channels, each scheduled daily at this UTC minute (so due right now)."""
    from bot.core.records import Schedule
    from bot.core.refs import ChannelRef
    from bot.storage.database import create_engine, migrate
    from bot.storage.repository import SqlStore

    await migrate(database_url)
    store = SqlStore(create_engine(database_url))
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    schedule = Schedule(local_time=now.time(), timezone="UTC", weekdays=frozenset(range(7)))
    try:
        for n in range(channels):
            await store.save_schedule(ChannelRef("slack", f"C{n:05d}", "T0TEAM"), schedule=schedule,
                                      next_prompt_at=now)
    finally:
        await store.close()


async def replica(api_url: str, database_url: str, token: str) -> None:
    """One bot process: tick until nothing is due and the outbox holds nothing unsent.

    Ticks run back to back, as the runtime's ticker does when a tick outlasts its interval. A tick
    claims its due channels 25 to a transaction and nudges the dispatcher after each batch, so
    posting overlaps claiming; the replicas claim outbox rows from the one database.
    """
    import random

    from sqlalchemy import text

    from bot.core.service import PracticeService
    from bot.scheduling.clock import SystemClock
    from bot.scoring.offline import OfflineScorer
    from bot.storage.database import create_engine
    from bot.storage.repository import SqlStore
    from framework import load

    engine = create_engine(database_url)
    store = SqlStore(engine)
    service = PracticeService(store=store, framework=load(), scorer=OfflineScorer(), clock=SystemClock(),
                              rng=random.Random())
    chat, session = await _chat(api_url, database_url, token)
    service.attach(chat)
    print("PORT 0", flush=True)  # ready
    try:
        while True:
            await service.tick()
            await service.dispatcher.drain()
            async with engine.connect() as connection:
                unsent = (await connection.execute(
                    text("SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')"))).scalar_one()
            if unsent == 0 and not await store.due_channels(datetime.now(UTC), limit=1):
                return
            if not await store.due_channels(datetime.now(UTC), limit=1):
                await asyncio.sleep(0.2)  # rows in backoff or in another replica's hands
    finally:
        await session.close()
        await store.close()


async def run_service(args: argparse.Namespace, api: Child) -> dict[str, Any]:
    if args.postgres:
        from bench._postgres import PostgresServer

        with PostgresServer.started() as server:
            return await _run_service(args, api, server.url("postgres"))
    with tempfile.TemporaryDirectory() as tmp:
        return await _run_service(args, api, args.database_url or f"sqlite:///{Path(tmp) / 'fanout.db'}")


async def _run_service(args: argparse.Namespace, api: Child, database_url: str) -> dict[str, Any]:
    started = time.perf_counter()
    await setup_channels(database_url, args.channels)
    print(f"  set-up: {args.channels} channels scheduled in {time.perf_counter() - started:.1f} s")
    api_url = f"http://127.0.0.1:{api.port}/api/"
    replicas = [await spawn("-m", "bench.slack_fanout", "--replica", "--api-url", api_url,
                            "--database-url", database_url, "--log-level", args.log_level,
                            "--token", f"xoxb-replica-{n + 1}")
                for n in range(args.replicas)]
    started = time.perf_counter()
    await asyncio.gather(*(r.process.wait() for r in replicas))
    wall = time.perf_counter() - started
    codes = [r.process.returncode for r in replicas]
    return {"wall": wall, "exit_codes": codes, **await mock_stats(api.port)}


# ---------------------------------------------------------------------------- chat pipeline
async def run_chat(args: argparse.Namespace, api: Child) -> dict[str, Any]:
    from bot.core import texts
    from bot.core.refs import ChannelRef

    chat, session = await _chat(f"http://127.0.0.1:{api.port}/api/", "sqlite:///unused.db", "xoxb-chat")
    message = texts.help_message()  # a few hundred characters with blocks, like a daily prompt
    pending = iter(range(args.channels))
    errors = 0

    async def sender() -> None:
        nonlocal errors
        for n in pending:
            try:
                await chat.send(ChannelRef("slack", f"C{n:05d}", "T0TEAM"), message)
            except Exception as exc:  # counted as missed; the service's outbox would retry them
                errors += 1
                log.debug("send failed: %s", exc)

    started = time.perf_counter()
    try:
        await asyncio.gather(*(sender() for _ in range(args.concurrency)))
    finally:
        await session.close()
    return {"wall": time.perf_counter() - started, "errors": errors, **await mock_stats(api.port)}


# ---------------------------------------------------------------------------- report
def report(label: str, args: argparse.Namespace, result: dict[str, Any]) -> None:
    accepted = int(result["accepted_total"])
    window = (result["last_at"] or 0) - (result["first_at"] or 0)
    rate = (accepted - 1) / window if window > 0 else float("nan")
    ceiling = args.workspace_rate
    channels = set(result["per_channel"])
    missed = args.channels - len(channels & {f"C{n:05d}" for n in range(args.channels)})
    print(f"{label}")
    print(f"  {accepted} posts accepted in {window:.1f} s (first to last accepted post): {rate:.1f} messages/s "
          f"= {100 * rate / ceiling:.1f} % of the mock's ceiling of {ceiling}/s (target >= 90 %)")
    print(f"  duplicates {result['duplicates']} (target 0), missed {missed} (target 0); 429s answered: "
          f"{result['rejected_workspace']} workspace, {result['rejected_channel']} per channel; "
          f"wall {result['wall']:.1f} s" + (f"; exit codes {result['exit_codes']}" if "exit_codes" in result else "")
          + (f"; send errors {result['errors']}" if "errors" in result else ""))
    print("  " + timeline(result))
    if len(result["accepted_per_token"]) > 1:
        first = result["first_at"] or 0
        print("  per replica: " + ", ".join(
            f"{token.rsplit('-', 1)[-1]}: {count} posts, last at {result['last_at_per_token'][token] - first:.1f} s"
            for token, count in sorted(result["accepted_per_token"].items())))


def timeline(result: dict[str, Any]) -> str:
    """Accepted posts (and 429s) per 10-second stretch: where a run loses time shows here."""
    accepted = {int(k): v for k, v in result["accepted_per_second"].items()}
    rejected = {int(k): v for k, v in result["rejected_per_second"].items()}
    if not accepted:
        return "timeline: nothing accepted"
    start, end = min(accepted), max(accepted)
    parts = []
    for at in range(start, end + 1, 10):
        seconds = range(at, min(at + 10, end + 1))
        ok = sum(accepted.get(s, 0) for s in seconds)
        limited = sum(rejected.get(s, 0) for s in seconds)
        parts.append(f"{ok / len(seconds):.0f}" + (f"({limited})" if limited else ""))
    return "timeline (posts/s per 10 s, 429s in brackets): " + " ".join(parts)


async def run(args: argparse.Namespace) -> None:
    pipelines = ["service", "chat"] if args.pipeline == "both" else [args.pipeline]
    print(f"P2 daily fan-out to {args.channels} channels; mock limits: 1 message/s per channel, "
          f"{args.workspace_rate} messages/s per workspace, 429 + Retry-After beyond")
    for pipeline in pipelines:
        api = await spawn("-m", "tests.adapters.slack.mock_api", "--channel-interval", "1",
                          "--workspace-rate", str(args.workspace_rate))
        try:
            if pipeline == "service":
                result = await run_service(args, api)
                where = "PostgreSQL" if args.postgres or "postgres" in (args.database_url or "") else "SQLite"
                report(f"service: {args.replicas} replica process(es) ticking one {where} database", args, result)
            else:
                result = await run_chat(args, api)
                report(f"chat: the Slack Chat alone, {args.concurrency} sends in flight", args, result)
        finally:
            await api.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--channels", type=int, default=10_000)
    parser.add_argument("--workspace-rate", type=int, default=100)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--pipeline", choices=["service", "chat", "both"], default="both")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--postgres", action="store_true",
                        help="start a throwaway PostgreSQL server (as in the tests) and use it")
    parser.add_argument("--log-level", default="WARNING", help="the replicas' log level (INFO shows the pacing)")
    parser.add_argument("--replica", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=args.log_level.upper(),
                        format="%(relativeCreated)8.0f ms %(process)d %(name)s: %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        if args.replica:
            asyncio.run(replica(args.api_url, args.database_url, args.token))
        else:
            asyncio.run(run(args))


if __name__ == "__main__":
    main()
