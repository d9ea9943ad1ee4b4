"""P1: ack latency of `/practice` in HTTP mode, this app against a bare bolt app that only acks.

Three processes besides this one: the mock Slack Web API, this app (real service, SQLite, the
Slack adapter under uvicorn, started as ``bot.runtime`` starts it), and a bare bolt ``AsyncApp``
under the same uvicorn set-up whose only listener acks. This process signs requests as Slack does
and keeps ``--concurrency`` in flight on keep-alive connections.

Per command, each app gets ``--warmup`` unmeasured requests, then ``--rounds`` measured runs of
``--requests`` each, the two apps alternating (the machine may be shared; alternating spreads its
noise over both). This app's post-ack work (users.info, the database, posting the interview, the
response URL) is left to finish before the next run, so each run starts from a quiet app, and its
duration is reported too. Percentiles pool every measured request of an app.

    python -m bench.slack_ack [--requests 2000] [--concurrency 50] [--rounds 3]

Targets: p99(this app) / p99(bare) <= 1.3 and p99 < 100 ms.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import tempfile
import time
from pathlib import Path

from bench._slack import SECRET, Child, LoadResult, client, mock_stats, open_connections, signed_load, spawn
from tests.adapters.slack.signed import command_body

COMMANDS = {"help": "help", "interview": "interview url-shortener 20"}


# ---------------------------------------------------------------------------- the two servers
async def _until_terminated() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def serve_ours(api_url: str, database: str) -> None:
    from bot.adapters.slack import SlackAdapter
    from bot.config import Settings
    from bot.runtime import build_runtime, freeze_heap, platform_adapters

    settings = Settings(_env_file=None, slack_bot_token="xoxb-bench", slack_signing_secret=SECRET,  # type: ignore[call-arg]
                        slack_mode="http", slack_api_url=api_url, host="127.0.0.1", port=0,
                        database_url=f"sqlite:///{database}")
    runtime = await build_runtime(settings, offline_only=True)
    # As `practice-bot run` builds it: metrics on (the core's counters, 429s, /metrics on the same port).
    [adapter] = platform_adapters(settings, runtime.service, runtime=runtime)
    assert isinstance(adapter, SlackAdapter)
    await adapter.start()
    freeze_heap()  # as bot.runtime.serve does once started
    print(f"PORT {adapter.port}", flush=True)
    try:
        await _until_terminated()
    finally:
        await adapter.stop()
        await runtime.store.close()


async def serve_bare(api_url: str) -> None:
    import uvicorn
    from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler
    from slack_bolt.async_app import AsyncApp
    from slack_bolt.context.ack.async_ack import AsyncAck
    from slack_sdk.web.async_client import AsyncWebClient

    app = AsyncApp(client=AsyncWebClient(token="xoxb-bench", base_url=api_url), signing_secret=SECRET)

    @app.command("/practice")
    async def practice(ack: AsyncAck) -> None:
        await ack()

    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    config = uvicorn.Config(AsyncSlackRequestHandler(app), lifespan="off", access_log=False, log_config=None,
                            backlog=2048)
    server = uvicorn.Server(config)
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    await server.serve(sockets=[sock])


# ---------------------------------------------------------------------------- the load
def bodies(command: str, *, count: int, first_user: int, api_port: int) -> list[str]:
    response_url = f"http://127.0.0.1:{api_port}/respond/bench"
    text = COMMANDS[command]
    if command == "interview":  # one interview per person and channel, as in a real workspace
        return [command_body(text, user=f"U{n:05d}", channel=f"C{n:05d}", response_url=response_url)
                for n in range(first_user, first_user + count)]
    return [command_body(text, user=f"U{n % 500:05d}", channel="C00000", response_url=response_url)
            for n in range(count)]


async def settled(api_port: int, *, posts: int, responses: int, within: float = 900) -> float:
    """Seconds until the mock has seen ``posts`` posts and ``responses`` response-URL answers,
    i.e. until this app's post-ack work for everything sent so far is done."""
    started = time.perf_counter()
    while time.perf_counter() - started < within:
        stats = await mock_stats(api_port)
        if int(str(stats["accepted_total"])) >= posts and int(str(stats["responses"])) >= responses:
            return time.perf_counter() - started
        await asyncio.sleep(0.1)
    raise SystemExit(f"timed out waiting for {posts} posts and {responses} responses")


def expected(command: str, count: int, posts: int, responses: int) -> tuple[int, int]:
    """What the mock has seen once this app has done its work for ``count`` more requests."""
    if command == "interview":  # the parent, and phase 1 in its thread; no response-URL answer
        return posts + 2 * count, responses
    return posts, responses + count  # help: one ephemeral answer each


def line(label: str, result: LoadResult) -> str:
    return (f"  {label:<5} p50 {result.p50:6.1f} ms  p99 {result.p99:6.1f} ms  "
            f"max {max(result.latencies) * 1000:6.1f} ms  {len(result.latencies) / result.seconds:6.0f} req/s  "
            f"non-empty/failed acks {result.failures}")


class Bench:
    """Runs the load against both apps, keeping track of what this app still owes the mock."""

    def __init__(self, args: argparse.Namespace, api: Child) -> None:
        self.args = args
        self.api = api
        self.next_user = 0
        self.posts = 0
        self.responses = 0

    def batch(self, command: str, count: int) -> list[str]:
        first = self.next_user
        if command == "interview":
            self.next_user += count
        return bodies(command, count=count, first_user=first, api_port=self.api.port)

    async def settle(self, command: str, count: int) -> float:
        self.posts, self.responses = expected(command, count, self.posts, self.responses)
        return await settled(self.api.port, posts=self.posts, responses=self.responses)

    async def round(self, label: str, child: Child, command: str, *, warmup: bool) -> tuple[LoadResult, float]:
        args = self.args
        drained = 0.0
        async with client(args.concurrency) as session:
            if warmup:
                await signed_load(session, child.port, self.batch(command, args.warmup), concurrency=args.concurrency)
                if label == "ours":  # start measuring from a quiet app, as the bare one is
                    await self.settle(command, args.warmup)
            # Slack keeps its connections open; so does this client (uvicorn closes idle ones after
            # 5 s, so they are opened again right before the measured run).
            await open_connections(session, child.port, concurrency=args.concurrency)
            result = await signed_load(session, child.port, self.batch(command, args.requests),
                                       concurrency=args.concurrency)
        if label == "ours":
            drained = await self.settle(command, args.requests)
        return result, drained


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        users = 2 * args.rounds * (args.requests + args.warmup) + 500
        api = await spawn("-m", "tests.adapters.slack.mock_api", "--users", str(users))
        api_url = f"http://127.0.0.1:{api.port}/api/"
        ours = await spawn("-m", "bench.slack_ack", "--serve", "ours", "--api-url", api_url,
                           "--database", str(Path(tmp) / "bench.db"))
        bare = await spawn("-m", "bench.slack_ack", "--serve", "bare", "--api-url", api_url)
        children: list[Child] = [ours, bare, api]
        bench = Bench(args, api)
        try:
            print(f"P1 ack latency, HTTP mode: {args.rounds} rounds x {args.requests} signed requests per command "
                  f"and app at concurrency {args.concurrency} (+{args.warmup} warm-up), the apps alternating; "
                  f"{os.cpu_count()} CPUs")
            for command in ("help", "interview"):
                pooled: dict[str, LoadResult] = {"ours": LoadResult([], 0, 0.0), "bare": LoadResult([], 0, 0.0)}
                rounds: dict[str, list[float]] = {"ours": [], "bare": []}
                drains: list[float] = []
                for number in range(args.rounds):
                    order = [("ours", ours), ("bare", bare)]
                    for label, child in order if number % 2 == 0 else order[::-1]:
                        result, drained = await bench.round(label, child, command, warmup=number == 0)
                        pooled[label].latencies.extend(result.latencies)
                        pooled[label].failures += result.failures
                        pooled[label].seconds += result.seconds
                        rounds[label].append(result.p99)
                        if label == "ours":
                            drains.append(drained)
                ours_p99, bare_p99 = pooled["ours"].p99, pooled["bare"].p99
                ratio = ours_p99 / bare_p99
                print(f"/practice {COMMANDS[command]}")
                for label in ("ours", "bare"):
                    each = ", ".join(f"{p:.0f}" for p in rounds[label])
                    print(line(label, pooled[label]) + f"  (p99 per round: {each} ms)")
                verdict = "OK" if ratio <= 1.3 and ours_p99 < 100 else "MISSED"
                print(f"  p99 ratio ours/bare {ratio:.2f} (target <= 1.3), p99 {ours_p99:.1f} ms (target < 100 ms): "
                      f"{verdict}")
                print(f"  this app's post-ack work (users.info, database, posts, response URL) finished "
                      f"{max(drains):.1f} s after the last ack at most")
        finally:
            for child in children:
                await child.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3, help="measured runs per app and command, alternating")
    parser.add_argument("--serve", choices=["ours", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with contextlib.suppress(KeyboardInterrupt):
        if args.serve == "ours":
            asyncio.run(serve_ours(args.api_url, args.database))
        elif args.serve == "bare":
            asyncio.run(serve_bare(args.api_url))
        else:
            asyncio.run(run(args))


if __name__ == "__main__":
    main()
