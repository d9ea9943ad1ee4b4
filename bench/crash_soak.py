"""Crash soak: interviews driven over Slack HTTP mode against the local mock Web API while the bot
is killed with ``kill -9`` at random moments, some of them right after an ack.

    python -m bench.crash_soak [--interviews 20] [--kills 6] [--seed 1]

The bot runs as ``python -m bot run`` (the real runtime, SQLite file, default settings) on a fixed
port; after each kill it is started again on the same database. Each simulated person starts a
10-minute interview with ``/practice interview``, then answers every phase and says ``next``, as
Slack delivers them: events signed, a request that got no 200 sent again with the same event id
and ``X-Slack-Retry-Num`` (Slack's redelivery); a slash command that got no 200 is typed again.

Printed at the end, and the exit status is 1 if any is not 0:
acked answers lost, acked steering words lost (interviews that did not reach their scorecard),
messages posted twice (bot messages sharing an outbox key), rows stuck in a claim at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import random
import signal
import socket
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench._slack import SECRET, Child, spawn
from tests.adapters.slack.signed import command_body, event_body, sign

MINUTES = 10
SCORECARDS = "SELECT count(*) FROM outbox WHERE purpose = 'scorecard' AND state = 'sent'"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Soak:
    api_port: int
    bot_port: int
    database: Path
    rng: random.Random
    bot: asyncio.subprocess.Process | None = None
    kills: int = 0
    kills_after_ack: int = 0
    kill_now: asyncio.Event = field(default_factory=asyncio.Event)
    up: asyncio.Event = field(default_factory=asyncio.Event)
    acked_answers: set[str] = field(default_factory=set)
    acked_words: int = 0
    redeliveries: int = 0
    seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # ------------------------------------------------------------------ the bot process
    async def start_bot(self) -> None:
        env = dict(os.environ, SLACK_BOT_TOKEN="xoxb-soak", SLACK_SIGNING_SECRET=SECRET, SLACK_MODE="http",
                   SLACK_API_URL=f"http://127.0.0.1:{self.api_port}/api/", HOST="127.0.0.1",
                   PORT=str(self.bot_port), DATABASE_URL=f"sqlite:///{self.database}", LOG_LEVEL="ERROR")
        for name in ("DISCORD_TOKEN", "OPENAI_API_KEY", "OPENAI_BASE_URL", "SLACK_APP_TOKEN", "METRICS_PORT"):
            env.pop(name, None)
        self.bot = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", env=env)
        async with aiohttp.ClientSession() as session:
            for _ in range(600):
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(f"http://127.0.0.1:{self.bot_port}/readyz") as response:
                        if response.status == 200:
                            self.up.set()
                            return
                await asyncio.sleep(0.05)
        raise SystemExit("the bot did not become ready")

    async def kill_bot(self) -> None:
        self.up.clear()
        if self.bot is not None and self.bot.returncode is None:
            self.bot.send_signal(signal.SIGKILL)
            await self.bot.wait()
        self.kills += 1

    async def killer(self, kills: int) -> None:
        """Kill at random moments; every other kill waits for the next ack instead (right after it)."""
        for n in range(kills):
            if n % 2:
                self.kill_now.clear()
                await self.kill_now.wait()
                self.kills_after_ack += 1
            else:
                await asyncio.sleep(self.rng.uniform(1.0, 4.0))
            await self.kill_bot()
            await asyncio.sleep(self.rng.uniform(0.1, 0.5))
            await self.start_bot()

    # ------------------------------------------------------------------ Slack's side
    async def _post(self, session: aiohttp.ClientSession, body: str, content_type: str,
                    headers: dict[str, str] | None = None) -> bool:
        url = f"http://127.0.0.1:{self.bot_port}/slack/events"
        try:
            async with session.post(url, data=body.encode(),
                                    headers={"Content-Type": content_type, **sign(SECRET, body), **(headers or {})},
                                    timeout=aiohttp.ClientTimeout(total=3)) as response:
                await response.read()
                return response.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    async def event(self, session: aiohttp.ClientSession, channel: str, thread_ts: str, user: str,
                    text: str) -> None:
        ts = f"{int(time.time())}.{next(self.seq):06d}"
        event = {"type": "message", "channel": channel, "user": user, "text": text, "ts": ts, "thread_ts": thread_ts,
                 "event_ts": ts, "channel_type": "channel"}
        event_id = f"Ev{next(self.seq):08d}"
        for attempt in itertools.count():
            headers = {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "http_error"} if attempt else None
            await self.up.wait()
            if await self._post(session, event_body(event, event_id=event_id), "application/json", headers):
                self.redeliveries += attempt
                if not self.kill_now.is_set():
                    self.kill_now.set()  # a kill waiting for an ack happens now, right after this one
                return
            await asyncio.sleep(0.2)

    async def command(self, session: aiohttp.ClientSession, user: str, channel: str) -> None:
        body = None
        while True:
            await self.up.wait()
            body = command_body(f"interview url-shortener {MINUTES}", user=user, channel=channel,
                                response_url=f"http://127.0.0.1:{self.api_port}/respond/{user}")
            if await self._post(session, body, "application/x-www-form-urlencoded"):
                return
            await asyncio.sleep(0.2)  # no ack: the person types it again

    async def history(self, session: aiohttp.ClientSession) -> dict[str, list[dict[str, Any]]]:
        async with session.get(f"http://127.0.0.1:{self.api_port}/_history") as response:
            data: dict[str, list[dict[str, Any]]] = json.loads(await response.text())
            return data

    async def root_of(self, session: aiohttp.ClientSession, channel: str) -> str:
        """The interview's thread, once its first question is there (a person reads it, then answers)."""
        for _ in range(1200):
            messages = (await self.history(session)).get(channel, [])
            roots = [m for m in messages if "thread_ts" not in m]
            if roots and any(m.get("thread_ts") == roots[0]["ts"] for m in messages):
                return str(roots[0]["ts"])
            await asyncio.sleep(0.1)
        raise SystemExit(f"no interview started in {channel}")

    async def person(self, session: aiohttp.ClientSession, n: int, phases: int) -> None:
        user, channel = f"U{n:05d}", f"C{n:05d}"
        await asyncio.sleep(self.rng.uniform(0, 2))
        await self.command(session, user, channel)
        thread_ts = await self.root_of(session, channel)
        for phase in range(phases):
            text = f"Answer {n}-{phase}: we shard by key because writes grow 10x; the trade-off is rebalancing."
            await self.event(session, channel, thread_ts, user, text)
            self.acked_answers.add(text)
            await asyncio.sleep(self.rng.uniform(0.05, 0.4))
            await self.event(session, channel, thread_ts, user, "next")
            self.acked_words += 1
            await asyncio.sleep(self.rng.uniform(0.05, 0.4))


def _rows(database: Path, query: str) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(database)) as connection:
        return list(connection.execute(query))


async def run(args: argparse.Namespace) -> int:
    from bot.core.interviews.rules import plan_phases
    from framework import load

    phases = len(plan_phases(load(), MINUTES))
    workdir = Path(tempfile.mkdtemp(prefix="crash-soak-"))
    api: Child = await spawn("-m", "tests.adapters.slack.mock_api", "--users", str(args.interviews))
    soak = Soak(api.port, _free_port(), workdir / "soak.db", random.Random(args.seed))
    started = time.perf_counter()
    try:
        await soak.start_bot()
        async with aiohttp.ClientSession() as session:
            killer = asyncio.create_task(soak.killer(args.kills))
            await asyncio.gather(*(soak.person(session, n, phases) for n in range(args.interviews)))
            soak.kill_now.set()
            await killer
            # every interview should now reach its scorecard; give the last restart time to finish
            deadline = time.perf_counter() + args.settle
            while time.perf_counter() < deadline:
                if _rows(soak.database, SCORECARDS)[0][0] >= args.interviews:
                    break
                await asyncio.sleep(0.5)
            await asyncio.sleep(1.0)
            history = await soak.history(session)
    finally:
        if soak.bot is not None and soak.bot.returncode is None:
            soak.bot.terminate()
            await soak.bot.wait()
        await api.stop()
    recorded = {text for (text,) in _rows(soak.database, "SELECT text FROM answer WHERE withdrawn = 0")}
    lost_answers = len(soak.acked_answers - recorded)
    for text in sorted(soak.acked_answers - recorded):
        print(f"  lost: {text[:40]!r} (database {soak.database})")
    scorecards = _rows(soak.database, SCORECARDS)[0][0]
    unfinished = _rows(soak.database, "SELECT count(*) FROM interview WHERE status = 'active'")[0][0]
    keys = Counter(m["metadata"]["event_payload"]["key"] for messages in history.values() for m in messages
                   if isinstance(m.get("metadata"), dict) and "event_payload" in m["metadata"])
    unkeyed = sum(1 for messages in history.values() for m in messages if not m.get("metadata"))
    twice = sum(count - 1 for count in keys.values() if count > 1)
    stuck = (_rows(soak.database, "SELECT count(*) FROM outbox WHERE state = 'sending'")[0][0]
             + _rows(soak.database, "SELECT count(*) FROM inbox WHERE state = 'applying'")[0][0])
    print(f"crash soak: {args.interviews} interviews x {phases} phases, {soak.kills} kill -9 "
          f"({soak.kills_after_ack} right after an ack), {time.perf_counter() - started:.0f} s")
    print(f"  acked answers {len(soak.acked_answers)}, acked steering words {soak.acked_words}, "
          f"redelivered by 'Slack' {soak.redeliveries}")
    print(f"  acked answers lost:        {lost_answers}")
    print(f"  steering words lost:       {unfinished} (interviews still active)")
    print(f"  interviews with scorecard: {scorecards} of {args.interviews}")
    print(f"  messages posted twice:     {twice} (of {sum(keys.values())} keyed bot messages; {unkeyed} without a key)")
    print(f"  rows stuck in a claim:     {stuck}")
    failed = lost_answers or unfinished or twice or stuck or scorecards < args.interviews
    return 1 if failed else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interviews", type=int, default=20)
    parser.add_argument("--kills", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--settle", type=float, default=90.0, help="seconds to wait for the last scorecards")
    sys.exit(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
