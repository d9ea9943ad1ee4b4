"""Leaderboard and streak read latency at 10k, 100k and 1M members, on SQLite and PostgreSQL.

Targets (from the issue): p95 < 20 ms per call, and p95 at 1M members no more than 2x p95 at 10k.

For each database and size: a fresh, migrated database (a SQLite file in a temp dir; a new
database on a PostgreSQL server this script starts and stops), bulk-loaded with one workspace
of members whose streak columns come from a generated practice history (about 10% live
streaks ending today or yesterday, a few ending tomorrow, 75% resting, 15% never practised),
that history's ``practice_day`` rows and its answers (each pointing at the channel's daily
prompt of its day), then ``ANALYZE``. Reads go through the real async ``SqlStore``, as the bot
calls it: ``leaderboard`` for week, month and all (top 10) and ``get_streak`` of random
members, interleaved, after a warm-up. Every size stays loaded while it is measured and the
calls go round the sizes in turns, so noise from other processes lands on all sizes alike.
Then, with fewer calls, the boards of days without live streaks, where the store's resting
queries run: a quiet Monday (nobody practised over the weekend; a third of the members did
earlier this month) and a lull (nobody practised this month). The query plans of the largest
size are printed once per database.

    python -m bench.leaderboard [--sizes 10000,100000,1000000] [--db sqlite,postgresql] [--reads 300]

Loading uses each database's fast path with every constraint and index in place: SQLite
``executemany`` in large transactions (``synchronous=OFF``, rollback journal in memory,
foreign keys ON, during the load only; the file goes back to WAL before reading), PostgreSQL
``COPY`` through asyncpg's ``copy_records_to_table`` (foreign keys checked). Rows are generated
in a background thread while the database ingests the previous chunk.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import queue
import random
import signal
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Select, insert, text

from bench._postgres import PostgresServer
from bot.core.progress.rules import recompute
from bot.core.records import Window
from bot.core.refs import ChannelRef, MessageRef, ThreadRef, UserRef
from bot.storage.database import create_engine, migrate
from bot.storage.leaderboard import later_query, live_query, resting_query, window_resting_query
from bot.storage.mapping import message_key, thread_key
from bot.storage.models import Channel, DailyPrompt, Member
from bot.storage.repository import SqlStore

PLATFORM = "slack"
WORKSPACE = "T0BENCH"
CHANNEL = ChannelRef(PLATFORM, "C0PRACTICE", WORKSPACE)
TODAY = date(2026, 3, 18)  # a Wednesday: the week began on Monday 16th, the month on the 1st
HISTORY_DAYS = 365  # the bot has run for a year: one daily prompt per day
FIRST_DAY = TODAY - timedelta(days=HISTORY_DAYS - 1)
T0, F0 = TODAY.toordinal(), FIRST_DAY.toordinal()

NEVER, LIVE = 0.15, 0.10  # shares of members who never practised / have a live streak; the rest rest
ANSWERS_PER_MEMBER, ANSWERS_CAP = 50, 5_000_000  # 10k -> 500k answers, 100k and 1M -> 5M
ANSWERS_PER_CHUNK = 100_000

SQLITE_PRAGMAS_FOR_LOAD = ("PRAGMA journal_mode=MEMORY", "PRAGMA synchronous=OFF", "PRAGMA foreign_keys=ON",
                           "PRAGMA cache_size=-262144", "PRAGMA temp_store=MEMORY")
PG_SETTINGS = ("synchronous_commit=off", "full_page_writes=off", "shared_buffers=256MB", "max_wal_size=8GB",
               "checkpoint_timeout=30min", "autovacuum=off", "max_connections=50")
"""fsync=off is always on (see bench._postgres). autovacuum off keeps the 2-core box quiet while
measuring; the script runs ANALYZE itself after loading."""

OPERATIONS = ("board week", "board month", "board all", "get_streak")
QUIET_DAY = TODAY + timedelta(days=5)  # Monday 23rd: nobody practised since Thursday, so no live streak
LULL_DAY = date(2026, 4, 3)  # Friday 3 April: nobody practised since 19 March, so this month's board is empty
QUIET_OPERATIONS = ("quiet month", "quiet all", "lull month")
QUIET_READS, QUIET_BUDGET_S = 50, 30.0
ROUNDS = 10
P95_TARGET_MS, RATIO_TARGET = 20.0, 2.0

MEMBER_COLUMNS = ("id", "platform", "workspace", "external_id", "display_name", "timezone", "current_streak",
                  "longest_streak", "total_days", "last_day", "week_start", "week_days", "month_start",
                  "month_days")
DAY_COLUMNS = ("id", "member_id", "local_date")
ANSWER_COLUMNS = ("id", "member_id", "text", "event_key", "created_at", "local_date", "message_ref", "prompt_id",
                  "interview_id", "phase_index", "withdrawn")

FIRST_NAMES = ("Ada", "Ben", "Chloe", "Dev", "Emeka", "Fatima", "Goran", "Hana", "Ivan", "Jia", "Kofi", "Lena",
               "Mateo", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Viktor", "Wen", "Yusuf")
LAST_NAMES = ("Okafor", "Smith", "Garcia", "Nguyen", "Kowalski", "Haddad", "Tanaka", "Müller", "Rossi", "Silva",
              "Ivanova", "Chen", "Dubois", "Patel", "Andersen", "Costa")
TIMEZONES = (None, None, None, "Europe/Berlin", "America/New_York", "Asia/Kolkata", "America/Los_Angeles",
             "Europe/London", "Asia/Tokyo")
ANSWER_TEXTS = (
    "Put a CDN in front of the redirect service and cache hot short codes in Redis with a TTL.",
    "Shard the key-value store by hash of the short code; consistent hashing keeps rebalancing cheap "
    "when we add nodes.",
    "I'd use a write-ahead log and replicate to two followers; reads can go to followers if we accept "
    "a little staleness.",
    "Rate limit per API key with a token bucket in Redis, and return 429 with Retry-After.",
    "Fan-out on write for most users, fan-out on read for celebrities with millions of followers.",
    "Idempotency keys on the payment endpoint, stored with the response for 24 hours.",
    "Partition the events topic by user id so ordering per user holds; consumers scale with partitions.",
    "Back-of-envelope: 100M DAU x 10 reads/day is ~12k QPS average, maybe 50k at peak.",
    "Use a message queue between the upload API and the transcoders so spikes don't drop work.",
    "For the leaderboard, a sorted set per region, merged hourly into the global board.",
    "Store blobs in object storage and only metadata in Postgres; presigned URLs for uploads.",
    "Geohash the drivers' positions and query the neighbouring cells; update every 4 seconds.",
    "Quorum reads and writes (R + W > N) for the cart; last-writer-wins is fine for the wishlist.",
    "Trade-off: strong consistency for balances, eventual consistency for the activity feed.",
    "Cache-aside with a short TTL, plus explicit invalidation on writes to avoid serving stale prices.",
    "A bloom filter in front of the DB avoids lookups for short codes that don't exist.",
)


# ---------------------------------------------------------------------------------------------- population
@dataclass(frozen=True)
class Formats:
    """How one driver wants dates, moments and booleans (SQLite: the text SQLAlchemy writes)."""

    day: Callable[[int], Any]
    moment: Callable[[int, int], Any]  # (date ordinal, second of the day) -> value
    true: Any
    false: Any


def _sqlite_formats() -> Formats:
    days: dict[int, str] = {}

    def day(ordinal: int) -> str:
        value = days.get(ordinal)
        if value is None:
            value = days[ordinal] = date.fromordinal(ordinal).isoformat()
        return value

    def moment(ordinal: int, second: int) -> str:
        hours, rest = divmod(second, 3600)
        return f"{day(ordinal)} {hours:02d}:{rest // 60:02d}:{rest % 60:02d}.000000"

    return Formats(day, moment, 1, 0)


def _pg_formats() -> Formats:
    days: dict[int, date] = {}
    midnights: dict[int, datetime] = {}

    def day(ordinal: int) -> date:
        value = days.get(ordinal)
        if value is None:
            value = days[ordinal] = date.fromordinal(ordinal)
        return value

    def moment(ordinal: int, second: int) -> datetime:
        base = midnights.get(ordinal)
        if base is None:
            base = midnights[ordinal] = datetime.combine(day(ordinal), clock_time(), UTC)
        return base + timedelta(seconds=second)

    return Formats(day, moment, True, False)


def _slack_ts(ordinal: int, second: int, unique: int) -> str:
    return f"{(ordinal - 719163) * 86400 + second}.{unique:06d}"  # 719163: 1970-01-01


def _prompt_thread_ts(ordinal: int) -> str:
    return _slack_ts(ordinal, 9 * 3600, 0)


def prompt_id_of(ordinal: int) -> int:
    """The channel's daily prompt answered on that day (prompt ids 1..HISTORY_DAYS, one per day)."""
    return min(ordinal, T0) - F0 + 1


def external_id(member_id: int) -> str:
    return f"U{member_id:09d}"


def display_name(member_id: int) -> str:
    return f"{FIRST_NAMES[member_id % len(FIRST_NAMES)]} {LAST_NAMES[member_id // 7 % len(LAST_NAMES)]}"


def _history(rng: random.Random, live: bool, mean_days: float) -> list[int]:
    """Sorted practice days (ordinals): a final run ending at the last day, earlier runs before it."""
    if live:
        roll = rng.random()
        last = T0 + 1 if roll < 0.003 else T0 if roll < 0.55 else T0 - 1  # tomorrow: timezone ahead
        run = 1 + int(rng.expovariate(1 / 6))
        wanted = max(run, 1 + int(rng.expovariate(1 / (2 * mean_days))))
    else:
        last = T0 - 2 - int(rng.expovariate(1 / 45))
        if last < F0:
            last = F0 + rng.randrange(60)
        run = 1 + int(rng.expovariate(1 / 1.5))
        wanted = max(run, 1 + int(rng.expovariate(1 / max(mean_days - 1, 0.05))))
    run = min(run, last - F0 + 1)
    days = list(range(last, last - run, -1))  # newest first while building
    earlier = wanted - run
    end = last - run - 1  # the day before the final run is a rest day
    if earlier > 0 and end >= F0:
        runs = earlier / 2.5 + 1
        gap_mean = max(0.5, (end - F0 + 1) / runs - 2.5)
        end -= int(rng.expovariate(1 / gap_mean))
        while earlier > 0 and end >= F0:
            length = 1 + int(rng.expovariate(1 / (9.0 if rng.random() < 0.05 else 1.5)))
            length = min(length, earlier, end - F0 + 1)
            days.extend(range(end, end - length, -1))
            earlier -= length
            end -= length + 1 + int(rng.expovariate(1 / gap_mean))
    days.reverse()
    return days


def _streak_columns(days: list[int]) -> tuple[int, int, int, int, int, int, int, int]:
    """(current, longest, total, last, week_start, week_days, month_start, month_days) as ``recompute`` would."""
    longest = run = 1
    previous = days[0]
    for day in days[1:]:
        run = run + 1 if day == previous + 1 else 1
        longest = max(longest, run)
        previous = day
    last = days[-1]
    week = last - (last - 1) % 7  # ordinal 1 is a Monday
    month = last - date.fromordinal(last).day + 1
    week_days = month_days = 0
    earliest = min(week, month)  # a week can begin in the previous month
    for day in reversed(days):
        if day < earliest:
            break
        month_days += day >= month
        week_days += day >= week
    return run, longest, len(days), last, week, week_days, month, month_days


@dataclass
class Chunk:
    members: list[tuple[Any, ...]]
    days: list[tuple[Any, ...]]
    answers: list[tuple[Any, ...]]


@dataclass
class Population:
    """One workspace of ``size`` members and at least ``answers`` answers, generated deterministically."""

    size: int
    answers: int
    seed: int = 1
    counts: dict[str, int] = field(default_factory=lambda: {"member": 0, "practice_day": 0, "answer": 0})

    @classmethod
    def for_size(cls, size: int, seed: int) -> Population:
        return cls(size, min(ANSWERS_PER_MEMBER * size, ANSWERS_CAP), seed)

    def chunks(self, formats: Formats) -> Iterator[Chunk]:
        rng = random.Random(self.seed)
        answers_per_practising = self.answers / (self.size * (1 - NEVER))
        mean_days = max(1.0, answers_per_practising / 1.6)
        per_chunk = max(500, int(ANSWERS_PER_CHUNK / (self.answers / self.size)))
        message_template = MessageRef(CHANNEL, "@MSG@", ThreadRef(CHANNEL, "@THREAD@")).serialise()
        before, middle, after = (message_template.replace("@MSG@", "\0").replace("@THREAD@", "\0").split("\0"))
        day_id = answer_id = 0
        checked = 0
        day_of = formats.day
        for start in range(1, self.size + 1, per_chunk):
            members: list[tuple[Any, ...]] = []
            day_rows: list[tuple[Any, ...]] = []
            member_days: list[tuple[int, int]] = []  # (member id, ordinal) per practice day, in row order
            for member_id in range(start, min(start + per_chunk, self.size + 1)):
                roll = rng.random()
                base = (member_id, PLATFORM, WORKSPACE, external_id(member_id), display_name(member_id),
                        TIMEZONES[member_id % len(TIMEZONES)])
                if roll < NEVER:
                    members.append((*base, 0, 0, 0, None, None, 0, None, 0))
                    continue
                days = _history(rng, roll < NEVER + LIVE, mean_days)
                current, longest, total, last, week, week_days, month, month_days = _streak_columns(days)
                if checked < 2000:  # the columns must be exactly what the store's own recompute gives
                    state = recompute([date.fromordinal(d) for d in days])
                    assert (state.current, state.longest, state.total_days, state.last_day, state.week_start,
                            state.week_days, state.month_start, state.month_days) == (
                        current, longest, total, date.fromordinal(last), date.fromordinal(week), week_days,
                        date.fromordinal(month), month_days), (days, state)
                    checked += 1
                members.append((*base, current, longest, total, day_of(last), day_of(week), week_days,
                                day_of(month), month_days))
                for day in days:
                    day_id += 1
                    day_rows.append((day_id, member_id, day_of(day)))
                    member_days.append((member_id, day))
            # Every practice day has an answer; extra answers (several messages in a thread) keep the
            # running total on course for the target.
            done = members[-1][0]
            wanted = round(self.answers * done / self.size)
            per_day = [1] * len(member_days)
            extra = wanted - self.counts["answer"] - len(member_days)
            if extra > 0 and member_days:
                for index in rng.choices(range(len(member_days)), k=extra):
                    per_day[index] += 1
            answer_rows: list[tuple[Any, ...]] = []
            for (member_id, day), count in zip(member_days, per_day, strict=True):
                prompt = prompt_id_of(day)
                thread = _prompt_thread_ts(min(day, T0))
                for nth in range(count):
                    answer_id += 1
                    second = 9 * 3600 + 60 + (answer_id * 7919) % 36000
                    ts = _slack_ts(day, second, answer_id % 1_000_000)
                    answer_rows.append((
                        answer_id, member_id, ANSWER_TEXTS[answer_id % len(ANSWER_TEXTS)],
                        f"slack:{WORKSPACE}:{CHANNEL.channel_id}:{ts}", formats.moment(day, second), day_of(day),
                        f"{before}{ts}{middle}{thread}{after}", prompt, None, None,
                        formats.true if nth and answer_id % 97 == 0 else formats.false,
                    ))
            self.counts["member"] += len(members)
            self.counts["practice_day"] += len(day_rows)
            self.counts["answer"] += len(answer_rows)
            yield Chunk(members, day_rows, answer_rows)


def prompt_rows() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The channel and its daily prompts (one per day of the history, all closed but today's)."""
    channel = {"id": 1, "platform": PLATFORM, "workspace": WORKSPACE, "external_id": CHANNEL.channel_id,
               "local_time": clock_time(9), "timezone": "UTC", "weekdays": "0,1,2,3,4,5,6", "enabled": True,
               "next_prompt_at": datetime.combine(TODAY + timedelta(days=1), clock_time(9), UTC)}
    prompts = []
    for ordinal in range(F0, T0 + 1):
        ts = _prompt_thread_ts(ordinal)
        message = MessageRef(CHANNEL, ts)
        thread = ThreadRef(CHANNEL, ts)
        day = date.fromordinal(ordinal)
        prompts.append({
            "id": prompt_id_of(ordinal), "channel_id": 1, "local_date": day, "section": ordinal % 7 + 1,
            "scenario_id": ("url-shortener", "news-feed", "rate-limiter", "chat")[ordinal % 4],
            "item_id": f"item-{ordinal % 11}", "question": "How would you scale the read path? Name one trade-off.",
            "closes_at": datetime.combine(day, clock_time(21), UTC), "message_ref": message.serialise(),
            "thread_ref": thread.serialise(), "thread_key": thread_key(thread), "message_key": message_key(message),
            "closed": ordinal < T0,
        })
    return channel, prompts


async def insert_prompts(url: str) -> None:
    """Channel and prompts through SQLAlchemy (few rows: the ORM's own types write them)."""
    engine = create_engine(url)
    try:
        channel, prompts = prompt_rows()
        async with engine.begin() as connection:
            await connection.execute(insert(Channel), [channel])
            await connection.execute(insert(DailyPrompt), prompts)
    finally:
        await engine.dispose()


T = TypeVar("T")


def in_background(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Iterate ``items`` in a thread, ``depth`` ahead of the consumer (generation overlaps the database's work)."""
    handoff: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        handoff.put(("item", item), timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            handoff.put(("done", None))
        except BaseException as error:  # handed to the consumer
            handoff.put(("error", error))

    worker = threading.Thread(target=produce, name="rows", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = handoff.get()
            if kind == "done":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        worker.join(timeout=5)


# ---------------------------------------------------------------------------------------------- loading
@dataclass
class Loaded:
    size: int
    rows: dict[str, int]
    load_s: float
    analyze_s: float
    megabytes: float


def _placeholders(columns: tuple[str, ...]) -> str:
    return ", ".join("?" * len(columns))


def load_sqlite(path: Path, population: Population, stop: threading.Event) -> tuple[float, float]:
    """Bulk insert into a migrated SQLite file; returns (load seconds, ANALYZE seconds).

    Runs in a worker thread; ``stop`` (set when the script is interrupted) ends it after the current chunk.
    """
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in SQLITE_PRAGMAS_FOR_LOAD:
            connection.execute(pragma)
        statements = {
            table: f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({_placeholders(columns)})"  # noqa: S608
            for table, columns in (("member", MEMBER_COLUMNS), ("practice_day", DAY_COLUMNS),
                                   ("answer", ANSWER_COLUMNS))
        }
        started = time.perf_counter()
        for chunk in in_background(population.chunks(_sqlite_formats())):
            if stop.is_set():
                raise RuntimeError("interrupted")
            connection.execute("BEGIN")
            connection.executemany(statements["member"], chunk.members)
            connection.executemany(statements["practice_day"], chunk.days)
            connection.executemany(statements["answer"], chunk.answers)
            connection.execute("COMMIT")
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        connection.execute("ANALYZE")
        analyzed = time.perf_counter() - started
        connection.execute("PRAGMA journal_mode=WAL")  # what the bot's engine runs on
        return loaded, analyzed
    finally:
        connection.close()


async def load_postgres(server: PostgresServer, database: str, population: Population) -> tuple[float, float]:
    """``COPY`` into a migrated PostgreSQL database; returns (load seconds, ANALYZE seconds)."""
    connection = await server.connect(database)
    try:
        started = time.perf_counter()
        for chunk in in_background(population.chunks(_pg_formats())):
            async with connection.transaction():
                await connection.copy_records_to_table("member", records=chunk.members, columns=MEMBER_COLUMNS)
                await connection.copy_records_to_table("practice_day", records=chunk.days, columns=DAY_COLUMNS)
                await connection.copy_records_to_table("answer", records=chunk.answers, columns=ANSWER_COLUMNS)
        for table in ("channel", "daily_prompt", "member", "practice_day", "answer"):  # ids were given explicitly
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
            )
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        await connection.execute("ANALYZE")
        return loaded, time.perf_counter() - started
    finally:
        await connection.close()


async def count_rows(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return {table: int((await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())  # noqa: S608
                    for table in ("member", "practice_day", "answer", "daily_prompt")}
    finally:
        await engine.dispose()


# ---------------------------------------------------------------------------------------------- reads
@dataclass
class Latencies:
    samples: dict[str, list[float]]

    def percentile(self, operation: str, p: int) -> float:
        cuts = statistics.quantiles(self.samples[operation], n=100, method="inclusive")
        return cuts[p - 1]


Operation = Callable[[], Awaitable[object]]


def _board(store: SqlStore, window: Window, today: date) -> Operation:
    return lambda: store.leaderboard(platform=PLATFORM, workspace=WORKSPACE, window=window, today=today, limit=10)


def _operations(store: SqlStore, size: int, rng: random.Random) -> dict[str, Operation]:
    def streak() -> Awaitable[object]:
        member_id = rng.randint(1, size)
        return store.get_streak(UserRef(PLATFORM, external_id(member_id), WORKSPACE, display_name(member_id)))

    return {"board week": _board(store, "week", TODAY), "board month": _board(store, "month", TODAY),
            "board all": _board(store, "all", TODAY), "get_streak": streak}


def _quiet_operations(store: SqlStore) -> dict[str, Operation]:
    """Boards on days without live streaks, where the resting queries run: the quiet day, when a third
    of the members practised earlier this month (its week board is empty: the week began today), and
    the lull day, when nobody practised this month (after a holiday break, say)."""
    return {"quiet month": _board(store, "month", QUIET_DAY), "quiet all": _board(store, "all", QUIET_DAY),
            "lull month": _board(store, "month", LULL_DAY)}


async def check_board(store: SqlStore) -> None:
    """The boards are full and led by the longest live streak / the longest resting one (full-scan queries)."""
    rows = await store.leaderboard(platform=PLATFORM, workspace=WORKSPACE, window="all", today=TODAY, limit=10)
    assert [row.rank for row in rows] == list(range(1, 11)), rows
    async with store.engine.connect() as connection:
        best = (await connection.execute(
            text("SELECT max(current_streak) FROM member WHERE last_day >= :yesterday"),
            {"yesterday": TODAY - timedelta(days=1)},
        )).scalar_one()
    assert rows[0].current == best, (rows[0], best)
    quiet = await store.leaderboard(platform=PLATFORM, workspace=WORKSPACE, window="month", today=QUIET_DAY,
                                    limit=10)
    async with store.engine.connect() as connection:
        best = (await connection.execute(
            text("SELECT max(longest_streak) FROM member WHERE last_day >= :start AND last_day < :yesterday"),
            {"start": QUIET_DAY.replace(day=1), "yesterday": QUIET_DAY - timedelta(days=1)},
        )).scalar_one()
    assert len(quiet) == 10 and quiet[0].current == 0 and quiet[0].longest == best, (quiet[:1], best)
    assert await store.leaderboard(platform=PLATFORM, workspace=WORKSPACE, window="month", today=LULL_DAY) == []


async def _timed(operations: dict[str, Operation], calls: int, samples: dict[str, list[float]]) -> None:
    for _ in range(calls):  # operations interleaved, so background noise hits each alike
        for name, operation in operations.items():
            started = time.perf_counter()
            await operation()
            samples[name].append((time.perf_counter() - started) * 1000)


def _share(total: int, rounds: int, round_: int) -> int:
    return total // rounds + (1 if round_ < total % rounds else 0)


async def measure_all(urls: dict[int, str], reads: int, seed: int) -> dict[int, Latencies]:
    """Time every operation on every size. The calls are spread over ``ROUNDS`` rounds that go
    through the sizes in turn, so a busy spell on this shared machine hits all sizes alike
    instead of skewing the ratio between them."""
    stores = {size: SqlStore(create_engine(url)) for size, url in urls.items()}
    try:
        operations = {size: _operations(store, size, random.Random(seed)) for size, store in stores.items()}
        quiet = {size: _quiet_operations(store) for size, store in stores.items()}
        samples: dict[int, dict[str, list[float]]] = {
            size: {name: [] for name in (*OPERATIONS, *QUIET_OPERATIONS)} for size in stores
        }
        for size, store in stores.items():
            await check_board(store)
            for _ in range(max(20, reads // 10)):  # warm-up: connections, statement caches, pages
                for operation in (*operations[size].values(), *quiet[size].values()):
                    await operation()
        rounds = min(ROUNDS, reads)
        order = list(stores)
        for round_ in range(rounds):
            for size in order if round_ % 2 == 0 else reversed(order):
                await _timed(operations[size], _share(reads, rounds, round_), samples[size])
        # The boards of days without live streaks: fewer calls, and no more rounds after
        # QUIET_BUDGET_S in case they are slow.
        quiet_reads = min(reads, QUIET_READS)
        deadline = time.perf_counter() + QUIET_BUDGET_S
        for round_ in range(min(rounds, quiet_reads)):
            for size in order if round_ % 2 == 0 else reversed(order):
                await _timed(quiet[size], _share(quiet_reads, min(rounds, quiet_reads), round_), samples[size])
            if time.perf_counter() > deadline and round_ >= 1:
                break
        return {size: Latencies(by_operation) for size, by_operation in samples.items()}
    finally:
        for store in stores.values():
            await store.close()


def plan_queries() -> list[tuple[str, Select[Member]]]:
    fetch = 40  # limit 10 -> max(10 * CANDIDATE_FACTOR, 10 + 10)
    month_start = TODAY.replace(day=1)
    return [
        (f"live seek, last_day = today ({TODAY}) [run 3x per call, one per live day]",
         live_query(PLATFORM, WORKSPACE, TODAY, fetch)),
        ("later range, last_day >= today + 2 [run once per call]",
         later_query(PLATFORM, WORKSPACE, TODAY + timedelta(days=2), fetch)),
        ("resting 'all' (runs when live members do not fill the board: the quiet day)",
         resting_query(PLATFORM, WORKSPACE, fetch)),
        (f"resting 'month' on the quiet day {QUIET_DAY} (runs when live members do not fill the board)",
         window_resting_query(PLATFORM, WORKSPACE, window="month", start=month_start, fetch=fetch)),
        (f"resting 'month' on the lull day {LULL_DAY} (nobody practised this month)",
         window_resting_query(PLATFORM, WORKSPACE, window="month", start=LULL_DAY.replace(day=1), fetch=fetch)),
    ]


async def print_plans(url: str, label: str) -> None:
    engine = create_engine(url)
    try:
        print(f"\nQuery plans, {label} (literal values, as the store's queries with limit 10):")
        async with engine.connect() as connection:
            for title, query in plan_queries():
                sql = str(query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
                if engine.dialect.name == "sqlite":
                    rows = await connection.execute(text(f"EXPLAIN QUERY PLAN {sql}"))
                    plan = [str(row[-1]) for row in rows]
                else:
                    rows = await connection.execute(text(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}"))
                    plan = [str(row[0]) for row in rows]
                print(f"  -- {title}")
                for line in plan:
                    print(f"     {line}")
    finally:
        await engine.dispose()


# ---------------------------------------------------------------------------------------------- reporting
def _load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def print_tables(label: str, results: list[tuple[Loaded, Latencies]]) -> None:
    print(f"\n=== {label}")
    print(f"{'members':>9} {'practice_day':>13} {'answer':>10} {'load s':>8} {'ANALYZE s':>10} {'size MB':>9}")
    for loaded, _ in results:
        print(f"{loaded.rows['member']:>9,} {loaded.rows['practice_day']:>13,} {loaded.rows['answer']:>10,} "
              f"{loaded.load_s:>8.1f} {loaded.analyze_s:>10.1f} {loaded.megabytes:>9.0f}")
    print(f"\n{'members':>9}  {'operation':<12} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}  (n per op)")
    for loaded, latencies in results:
        for operation in (*OPERATIONS, *QUIET_OPERATIONS):
            samples = latencies.samples[operation]
            print(f"{loaded.size:>9,}  {operation:<12} {latencies.percentile(operation, 50):>8.2f} "
                  f"{latencies.percentile(operation, 95):>8.2f} {latencies.percentile(operation, 99):>8.2f} "
                  f"{max(samples):>8.2f}  ({len(samples)})")
    if len(results) > 1:
        (small, small_lat), (large, large_lat) = results[0], results[-1]
        print(f"\np95 ratio {large.size:,} / {small.size:,} members (target <= {RATIO_TARGET:g}x), "
              f"and p95 target < {P95_TARGET_MS:g} ms at every size:")
        for operation in (*OPERATIONS, *QUIET_OPERATIONS):
            ratio = large_lat.percentile(operation, 95) / small_lat.percentile(operation, 95)
            worst = max(lat.percentile(operation, 95) for _, lat in results)
            verdict = "ok" if ratio <= RATIO_TARGET and worst < P95_TARGET_MS else "MISSED"
            print(f"  {operation:<12} {ratio:>5.2f}x   worst p95 {worst:6.2f} ms   {verdict}")


# ---------------------------------------------------------------------------------------------- driver
def _sqlite_files(path: Path) -> list[Path]:
    return list(path.parent.glob(f"{path.name}*"))  # the database, its -wal and -shm


def _sqlite_megabytes(path: Path) -> float:
    return sum(file.stat().st_size for file in _sqlite_files(path)) / 1e6


async def run_sqlite(sizes: list[int], reads: int, seed: int) -> list[tuple[Loaded, Latencies]]:
    loaded: dict[int, Loaded] = {}
    urls: dict[int, str] = {}
    with tempfile.TemporaryDirectory(prefix="practice-bot-bench-sqlite-") as directory:
        for size in sizes:
            path = Path(directory) / f"board_{size}.db"
            url = urls[size] = f"sqlite+aiosqlite:///{path}"
            await migrate(url)
            await insert_prompts(url)
            population = Population.for_size(size, seed)
            print(f"[sqlite] {size:,} members: loading ... ({_load_average()})", flush=True)
            stop = threading.Event()
            try:
                load_s, analyze_s = await asyncio.to_thread(load_sqlite, path, population, stop)
            finally:
                stop.set()
            rows = await count_rows(url)
            assert all(rows[table] == population.counts[table] for table in population.counts), rows
            loaded[size] = Loaded(size, rows, load_s, analyze_s, _sqlite_megabytes(path))
            print(f"[sqlite] {size:,} members: loaded {rows} in {load_s:.1f} s, ANALYZE {analyze_s:.1f} s", flush=True)
        print(f"[sqlite] measuring ({_load_average()})", flush=True)
        latencies = await measure_all(urls, reads, seed)
        print(f"[sqlite] measured ({_load_average()})", flush=True)
        await print_plans(urls[max(sizes)], f"SQLite {sqlite3.sqlite_version}, {max(sizes):,} members")
    return [(loaded[size], latencies[size]) for size in sizes]


async def run_postgres(sizes: list[int], reads: int, seed: int) -> list[tuple[Loaded, Latencies]]:
    loaded: dict[int, Loaded] = {}
    urls: dict[int, str] = {}
    with PostgresServer.started(PG_SETTINGS) as server:
        print(f"[postgresql] {server.version()} on 127.0.0.1:{server.port}, data in {server.base}", flush=True)
        for size in sizes:
            database = f"board_{size}"
            await server.execute(f'CREATE DATABASE "{database}"')
            url = urls[size] = server.url(database)
            await migrate(url)
            await insert_prompts(url)
            population = Population.for_size(size, seed)
            print(f"[postgresql] {size:,} members: loading ... ({_load_average()})", flush=True)
            load_s, analyze_s = await load_postgres(server, database, population)
            rows = await count_rows(url)
            assert all(rows[table] == population.counts[table] for table in population.counts), rows
            connection = await server.connect(database)
            try:
                megabytes = int(await connection.fetchval("SELECT pg_database_size(current_database())")) / 1e6
            finally:
                await connection.close()
            loaded[size] = Loaded(size, rows, load_s, analyze_s, megabytes)
            print(f"[postgresql] {size:,} members: loaded {rows} in {load_s:.1f} s, ANALYZE {analyze_s:.1f} s",
                  flush=True)
        print(f"[postgresql] measuring ({_load_average()})", flush=True)
        latencies = await measure_all(urls, reads, seed)
        print(f"[postgresql] measured ({_load_average()})", flush=True)
        await print_plans(urls[max(sizes)], f"{server.version()}, {max(sizes):,} members")
    return [(loaded[size], latencies[size]) for size in sizes]


def _sizes(value: str) -> list[int]:
    return sorted(int(part.replace("_", "")) for part in value.split(",") if part)


async def main_async(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    print(f"Leaderboard bench: workspace {WORKSPACE!r} on {PLATFORM}, today {TODAY}, {HISTORY_DAYS} days of "
          f"history, {args.reads} timed calls per operation; {_load_average()}", flush=True)
    report: list[tuple[str, list[tuple[Loaded, Latencies]]]] = []
    for database in args.db:
        if database == "sqlite":
            report.append((f"SQLite {sqlite3.sqlite_version} (file, WAL, through SqlStore/aiosqlite)",
                           await run_sqlite(args.sizes, args.reads, args.seed)))
        else:
            report.append(("PostgreSQL (through SqlStore/asyncpg)", await run_postgres(args.sizes, args.reads,
                                                                                       args.seed)))
    for label, results in report:
        print_tables(label, results)
    print(f"\ntotal {time.perf_counter() - started:.0f} s; {_load_average()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", type=_sizes, default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--db", type=lambda value: [part for part in value.split(",") if part],
                        default=["sqlite", "postgresql"])
    parser.add_argument("--reads", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    unknown = set(args.db) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown database(s): {', '.join(sorted(unknown))}")
    if args.reads < 2:
        parser.error("--reads must be at least 2")
    # SIGTERM unwinds like Ctrl-C, so the temp dirs go and the PostgreSQL server stops.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
