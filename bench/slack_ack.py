"""P1: ack latency of `/practice` in HTTP mode, this app against a bare bolt app that only acks.

Three processes besides this one: the mock Slack Web API, this app (real service, SQLite, the
Slack adapter under uvicorn), and a bare bolt ``AsyncApp`` under the same uvicorn set-up whose
only listener acks. This process signs requests as Slack does and keeps ``--concurrency`` in
flight. Each app gets ``--warmup`` unmeasured requests, then ``--requests`` measured ones, per
command; this app's post-ack work (users.info, the database, posting the interview) is left to
finish before the bare app is measured, so the two never share the CPU.

    python -m bench.slack_ack [--requests 2000] [--concurrency 50]

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
    from bot.runtime import build_runtime, freeze_heap

    settings = Settings(_env_file=None, slack_bot_token="xoxb-bench", slack_signing_secret=SECRET,  # type: ignore[call-arg]
                        slack_mode="http", slack_api_url=api_url, host="127.0.0.1", port=0,
                        database_url=f"sqlite:///{database}")
    runtime = await build_runtime(settings, offline_only=True)
    adapter = SlackAdapter(settings, runtime.service)
    await adapter.start()
    if os.environ.get("BENCH_GC_LOG"):
        import gc
        import sys

        started: dict[str, float] = {}

        def on_gc(phase: str, info: dict[str, int]) -> None:
            if phase == "start":
                started["t"] = time.perf_counter()
            elif (took := time.perf_counter() - started.get("t", time.perf_counter())) > 0.005:
                print(f"gc gen{info['generation']} {took * 1000:.0f} ms collected {info['collected']}",
                      file=sys.stderr, flush=True)

        gc.callbacks.append(on_gc)
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


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        users = 2 * (args.requests + args.warmup) + 500
        api = await spawn("-m", "tests.adapters.slack.mock_api", "--users", str(users))
        api_url = f"http://127.0.0.1:{api.port}/api/"
        ours = await spawn("-m", "bench.slack_ack", "--serve", "ours", "--api-url", api_url,
                           "--database", str(Path(tmp) / "bench.db"))
        bare = await spawn("-m", "bench.slack_ack", "--serve", "bare", "--api-url", api_url)
        children: list[Child] = [ours, bare, api]
        try:
            print(f"P1 ack latency, HTTP mode: {args.requests} signed requests per command at concurrency "
                  f"{args.concurrency} (+{args.warmup} warm-up each), {os.cpu_count()} CPUs")
            next_user, posts, responses = 0, 0, 0
            for command in ("help", "interview"):
                results: dict[str, LoadResult] = {}
                for label, child in (("ours", ours), ("bare", bare)):
                    warm = bodies(command, count=args.warmup, first_user=next_user, api_port=api.port)
                    measured = bodies(command, count=args.requests, first_user=next_user + args.warmup,
                                      api_port=api.port)
                    if command == "interview":
                        next_user += args.warmup + args.requests
                    async with client(args.concurrency) as session:
                        await signed_load(session, child.port, warm, concurrency=args.concurrency)
                        if label == "ours":  # start measuring from a quiet app, as the bare one is
                            posts, responses = expected(command, args.warmup, posts, responses)
                            await settled(api.port, posts=posts, responses=responses)
                        # Slack keeps its connections open; so does this client (uvicorn closes idle ones
                        # after 5 s, so they are opened again right before the measured run).
                        await open_connections(session, child.port, concurrency=args.concurrency)
                        results[label] = await signed_load(session, child.port, measured,
                                                           concurrency=args.concurrency)
                    if label == "ours":
                        posts, responses = expected(command, args.requests, posts, responses)
                        drained = await settled(api.port, posts=posts, responses=responses)
                        print(f"  (/practice {command}: this app finished its post-ack work for "
                              f"{args.requests} requests {drained:.1f} s after the last ack)")
                ratio = results["ours"].p99 / results["bare"].p99
                print(f"/practice {COMMANDS[command]}")
                print(line("ours", results["ours"]))
                print(line("bare", results["bare"]))
                verdict = "OK" if ratio <= 1.3 and results["ours"].p99 < 100 else "MISSED"
                print(f"  p99 ratio ours/bare {ratio:.2f} (target <= 1.3), p99 {results['ours'].p99:.1f} ms "
                      f"(target < 100 ms): {verdict}")
        finally:
            for child in children:
                await child.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
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
