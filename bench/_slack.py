"""Shared pieces of the Slack benchmarks: subprocesses that print ``PORT n``, signed load."""

from __future__ import annotations

import asyncio
import json
import math
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

import aiohttp

from tests.adapters.slack.signed import sign

SECRET = "bench-signing-secret"


@dataclass
class Child:
    """A subprocess that announced the port it listens on."""

    process: asyncio.subprocess.Process
    port: int

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), timeout=20)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


async def spawn(*args: str) -> Child:
    process = await asyncio.create_subprocess_exec(
        sys.executable, *args, stdout=asyncio.subprocess.PIPE, stderr=None,
    )
    assert process.stdout is not None
    while True:
        line = (await asyncio.wait_for(process.stdout.readline(), timeout=60)).decode()
        if not line:
            raise SystemExit(f"{args} exited before announcing its port")
        if line.startswith("PORT "):
            return Child(process, int(line.split()[1]))


async def mock_stats(port: int) -> dict[str, object]:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/_stats") as response:
        data: dict[str, object] = json.loads(await response.text())
        return data


@dataclass
class LoadResult:
    latencies: list[float]
    failures: int
    seconds: float

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile, in milliseconds."""
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) * 1000

    @property
    def p99(self) -> float:
        return self.percentile(99)


def client(concurrency: int) -> aiohttp.ClientSession:
    """A client keeping at most ``concurrency`` keep-alive connections."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency))


async def open_connections(session: aiohttp.ClientSession, port: int, *, concurrency: int) -> None:
    """Have ``concurrency`` connections open and idle, so a measured run starts warm."""

    async def touch() -> None:
        async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
            await response.read()

    await asyncio.gather(*(touch() for _ in range(concurrency)))


async def signed_load(session: aiohttp.ClientSession, port: int, bodies: Sequence[str], *,
                      concurrency: int) -> LoadResult:
    """POST each body (form-encoded, signed now) with ``concurrency`` requests in flight."""
    url = f"http://127.0.0.1:{port}/slack/events"
    latencies: list[float] = []
    failures = 0
    pending = iter(bodies)

    async def worker() -> None:
        nonlocal failures
        for body in pending:
            headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, body)}
            started = time.perf_counter()
            async with session.post(url, data=body.encode(), headers=headers) as response:
                text = await response.read()
            elapsed = time.perf_counter() - started
            if response.status != 200 or text:
                failures += 1
            latencies.append(elapsed)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return LoadResult(latencies, failures, time.perf_counter() - started)
