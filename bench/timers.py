"""P4: timers at scale. How late is a phase's next question after its deadline?

Runs the real runtime (``serve``: the ticker, the dispatcher, SQLite, default settings) with a bench
adapter whose Chat records when each message was posted and, like Slack, posts at most one message
per second per channel (``--pace``). Every interview has its own channel. Three runs:

* ``live``: ``--sizes`` interviews (default 100 and 1,000) started at once and never answered; for each,
  the lag from phase 0's deadline to the post of phase 1's question. Also how long it took until every
  first phase was out after the starts, and the RSS growth per live interview.
* ``outage``: 1,000 interviews started, the bot stopped, their deadlines passed while it was down (a
  phase longer than the outage), the bot started again: when was every overdue next phase posted?

    python -m bench.timers [--sizes 100,1000] [--outage 1000] [--pace 1.0]

Targets (issue 11): p99 lag < 1 s, growth from 100 to 1,000 <= 1.5x; after an outage every overdue next
phase within 5 s of start-up; RSS +< 20 KB per live interview; 1,000 starts: first phases out within 15 s.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import re
import statistics
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PHASE_ONE = re.compile(r"(?:^|\n\n)\*1\. ")
"""Phase 1's question: its bold title opens the message, or follows "Time is up" for phase 0."""


def rss_kb() -> int:
    with open(f"/proc/{os.getpid()}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


@dataclass
class Posted:
    where: Any
    text: str
    at: datetime


@dataclass
class TimedChat:
    """A Chat that records each post's wall time; one post per ``pace`` seconds per channel."""

    pace: float
    platform: str = "console"
    posts: list[Posted] = field(default_factory=list)
    _last: dict[str, float] = field(default_factory=dict)
    _locks: defaultdict[str, asyncio.Lock] = field(default_factory=lambda: defaultdict(asyncio.Lock))
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        from bot.core.messages import Capabilities

        self.capabilities = Capabilities(thread_is_root=True, max_text=40_000)

    async def send(self, where: Any, message: Any) -> Any:
        from bot.core.refs import MessageRef, ThreadRef, channel_of

        channel = channel_of(where)
        async with self._locks[channel.channel_id]:
            wait = self._last.get(channel.channel_id, 0.0) + self.pace - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last[channel.channel_id] = time.monotonic()
        self.posts.append(Posted(where, message.text, datetime.now(UTC)))
        thread = where if isinstance(where, ThreadRef) else None
        return MessageRef(channel, f"m{next(self._ids)}", thread)

    async def start_thread(self, root: Any, title: str) -> Any:
        from bot.core.refs import ThreadRef

        return root.thread or ThreadRef(root.channel, root.message_id)

    async def edit(self, ref: Any, message: Any) -> None:
        return None

    async def react(self, ref: Any, emoji: str) -> None:
        return None

    async def find_sent(self, where: Any, key: str, *, since: datetime) -> Any:
        return None


class BenchAdapter:
    name = "bench"

    def __init__(self, service: Any, chat: TimedChat) -> None:
        self._service, self.chat = service, chat
        self._stopped = asyncio.Event()

    async def start(self) -> None:
        self._service.attach(self.chat)

    async def wait(self) -> None:
        await self._stopped.wait()

    async def stop(self) -> None:
        self._stopped.set()


async def _runtime(database_url: str) -> Any:
    from bot.config import Settings
    from bot.runtime import build_runtime

    settings = Settings(_env_file=None, database_url=database_url)  # type: ignore[call-arg]
    return settings, await build_runtime(settings, offline_only=True)


async def _start(service: Any, count: int, run: str) -> None:
    from bot.core.messages import CommandContext
    from bot.core.refs import ChannelRef, UserRef

    async def one(n: int) -> None:
        where = ChannelRef("console", f"{run}-C{n}", "W1")
        who = UserRef("console", f"{run}-u{n}", "W1", f"U{n}")
        await service.handle_command(CommandContext(where, who, user_timezone="UTC"), "interview url-shortener 45")

    limit = asyncio.Semaphore(32)

    async def bounded(n: int) -> None:
        async with limit:
            await one(n)

    await asyncio.gather(*(bounded(n) for n in range(count)))


async def _deadlines(store: Any, run: str) -> dict[str, datetime]:
    """Each interview's phase-0 deadline, by channel id (read from the database after the starts)."""
    from sqlalchemy import text

    async with store.engine.connect() as connection:
        rows = await connection.execute(text(
            "SELECT c.external_id, i.phase_deadline_at FROM interview i JOIN channel c ON c.id = i.channel_id"
            " WHERE c.external_id LIKE :run AND i.phase_index = 0"), {"run": f"{run}-%"})
        found = {}
        for channel_id, deadline in rows:
            moment = deadline if isinstance(deadline, datetime) else datetime.fromisoformat(str(deadline))
            found[channel_id] = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return found


def _lags(chat: TimedChat, deadlines: dict[str, datetime]) -> list[float]:
    posted: dict[str, datetime] = {}
    for post in chat.posts:
        channel = post.where.channel.channel_id if hasattr(post.where, "channel") else post.where.channel_id
        if PHASE_ONE.search(post.text) and channel in deadlines and channel not in posted:
            posted[channel] = post.at
    return [(posted[c] - deadlines[c]).total_seconds() for c in deadlines if c in posted]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def live(count: int, pace: float, tmp: Path) -> dict[str, float]:
    from bot.runtime import serve

    settings, runtime = await _runtime(f"sqlite:///{tmp / f'live-{count}.db'}")
    chat = TimedChat(pace)
    adapter = BenchAdapter(runtime.service, chat)
    ready = asyncio.Event()
    server = asyncio.create_task(serve(runtime, [adapter], tick_seconds=settings.tick_seconds, ready=ready))
    await ready.wait()
    before = rss_kb()
    started = time.monotonic()
    deadlines: dict[str, datetime] = {}

    async def watch() -> None:
        # Each interview stays in phase 0 for its first minute: read every deadline while it does
        # (the first ones can be over before the last interview has started).
        while len(deadlines) < count:
            for channel, deadline in (await _deadlines(runtime.store, "live")).items():
                deadlines.setdefault(channel, deadline)
            await asyncio.sleep(0.5)

    watcher = asyncio.create_task(watch())
    await _start(runtime.service, count, "live")
    while sum(1 for p in chat.posts if p.text.startswith("*0. ")) < count:
        await asyncio.sleep(0.05)
    first_phases = time.monotonic() - started
    await watcher
    grown = (rss_kb() - before) / count
    last = max(deadlines.values())
    while datetime.now(UTC) < last or len(_lags(chat, deadlines)) < count:
        await asyncio.sleep(0.2)
        if (datetime.now(UTC) - last).total_seconds() > 120:
            break
    lags = _lags(chat, deadlines)
    await adapter.stop()
    await server
    return {"count": count, "posted": len(lags), "p50": statistics.median(lags), "p99": _pct(lags, 0.99),
            "max": max(lags), "first_phases_s": first_phases, "rss_kb_per_interview": grown}


async def outage(count: int, pace: float, tmp: Path) -> dict[str, float]:
    from bot.runtime import serve

    url = f"sqlite:///{tmp / 'outage.db'}"
    settings, runtime = await _runtime(url)
    chat = TimedChat(pace)
    adapter = BenchAdapter(runtime.service, chat)
    ready = asyncio.Event()
    server = asyncio.create_task(serve(runtime, [adapter], tick_seconds=settings.tick_seconds, ready=ready))
    await ready.wait()
    await _start(runtime.service, count, "down")
    while sum(1 for p in chat.posts if p.text.startswith("*0. ")) < count:
        await asyncio.sleep(0.05)
    deadlines = await _deadlines(runtime.store, "down")  # the bot stops now: every one is still in phase 0
    await adapter.stop()
    await server  # the bot is down while every phase-0 deadline passes
    last = max(deadlines.values())
    await asyncio.sleep(max(0.0, (last - datetime.now(UTC)).total_seconds()) + 2)
    settings, runtime = await _runtime(url)
    chat = TimedChat(pace)
    adapter = BenchAdapter(runtime.service, chat)
    ready = asyncio.Event()
    restart = datetime.now(UTC)
    server = asyncio.create_task(serve(runtime, [adapter], tick_seconds=settings.tick_seconds, ready=ready))
    await ready.wait()
    while len(_lags(chat, deadlines)) < count and (datetime.now(UTC) - restart).total_seconds() < 120:
        await asyncio.sleep(0.1)
    after = [(p.at - restart).total_seconds() for p in chat.posts if PHASE_ONE.search(p.text)]
    await adapter.stop()
    await server
    return {"count": count, "posted": len(after), "within_5s": sum(1 for a in after if a <= 5.0),
            "p50": statistics.median(after) if after else float("nan"), "max": max(after, default=float("nan"))}


async def run(args: argparse.Namespace) -> None:
    import logging

    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        results = []
        for size in [int(s) for s in args.sizes.split(",") if s]:
            result = await live(size, args.pace, Path(tmp))
            results.append(result)
            print(f"live {result['count']:>5}: next phase posted for {result['posted']}/{result['count']}; lag after "
                  f"the deadline p50 {result['p50']:.2f} s, p99 {result['p99']:.2f} s, max {result['max']:.2f} s; "
                  f"every first phase out {result['first_phases_s']:.1f} s after the starts; "
                  f"RSS +{result['rss_kb_per_interview']:.1f} KB per live interview", flush=True)
        if len(results) >= 2:
            print(f"p99 growth {results[0]['count']} -> {results[-1]['count']}: "
                  f"{results[-1]['p99'] / results[0]['p99']:.2f}x (target <= 1.5x; p99 target < 1 s)")
        if args.outage:
            result = await outage(args.outage, args.pace, Path(tmp))
            print(f"outage {result['count']}: {result['posted']} overdue next phases posted after the restart, "
                  f"{result['within_5s']} within 5 s (target: all); p50 {result['p50']:.2f} s, max "
                  f"{result['max']:.2f} s after start-up", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--outage", type=int, default=1000, help="interviews in the outage run (0: skip it)")
    parser.add_argument("--pace", type=float, default=1.0, help="seconds between posts in one channel (Slack: 1)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
