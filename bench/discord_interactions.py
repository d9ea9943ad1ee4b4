"""Discord: interaction to initial response, under a burst of 500 interactions fed at once.

The real ``PracticeBot`` (cogs, CommandTree, real service on a fresh SQLite file) logs in against the
local fake Discord API from the tests, which runs in a process of its own so the figures are the
bot's, not the fake's competing for the same interpreter. 500 slash-command payloads go through the client's own parser
(``ConnectionState.parse_interaction_create``) in one burst: a mix of ``/practice interview`` (each
by a different member, so each one posts a parent, opens a thread and posts phase one), ``streak``,
``leaderboard``, ``section`` and ``help``. Latency is from the moment a payload is fed to the moment
the fake receives that interaction's callback (the defer, or the message for instant answers).

For comparison, in the same run: a bare ``discord.Client`` + ``CommandTree`` whose only command
responds at once, fed the same way. Target (issue 11): this bot's p99 against the bare client's in the
same run, ratio <= 1.3, each run's ratio printed (an absolute 250 ms is missed by the bare client itself
when the machine is busy; Discord allows 3 s). Each interaction is written to the inbox before its defer.

    .venv/bin/python -m bench.discord_interactions [--count 500]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

import discord
from discord import app_commands

from bot.core.service import PracticeService
from bot.scheduling.clock import FakeClock
from bot.scoring.offline import OfflineScorer
from bot.storage.database import create_engine, migrate
from bot.storage.repository import SqlStore
from framework import load
from tests.adapters.discord.fake_api import Call, FakeDiscord
from tests.adapters.discord.fake_process import ProcessFakeDiscord
from tests.adapters.discord.harness import EVERYONE_PERMISSIONS, DiscordHarness, Person, settings

TARGET_RATIO = 1.3
CALLBACK = re.compile(r"/interactions/(\d+)/[^/]+/callback")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def callback_times(calls: list[Call], *, since: float) -> dict[int, float]:
    """Interaction id -> when its (first successful) callback reached the fake, after ``since``."""
    arrived: dict[int, float] = {}
    for call in calls:
        if call.at < since:
            continue
        match = CALLBACK.fullmatch(call.path)
        if match and call.method == "POST" and call.status == 200:
            arrived.setdefault(int(match.group(1)), call.at)
    return arrived


async def burst(client: discord.Client, fake: ProcessFakeDiscord, payloads: list[dict[str, Any]]
                ) -> tuple[list[float], float]:
    """Feed every payload at once; wait until each command completed. Latencies in ms, total in s."""
    completed = 0

    def all_completed(*_: object) -> bool:
        nonlocal completed
        completed += 1
        return completed == len(payloads)

    everything = client.wait_for("app_command_completion", check=all_completed, timeout=300)
    fed_at: dict[int, float] = {}
    started = time.perf_counter()
    for payload in payloads:
        fed_at[int(payload["id"])] = time.perf_counter()
        client._connection.parse_interaction_create(payload)  # type: ignore[arg-type]
    await everything
    total = time.perf_counter() - started
    arrived = callback_times(await asyncio.to_thread(fake.calls), since=started)
    missing = [i for i in fed_at if i not in arrived]
    if missing:
        raise RuntimeError(f"{len(missing)} interactions got no initial response")
    return [(arrived[i] - fed_at[i]) * 1000 for i in fed_at], total


def practice_payloads(harness: DiscordHarness, count: int, *, first_member: int) -> list[dict[str, Any]]:
    rng = random.Random(first_member)
    framework = load()
    makers: list[Callable[[Person], dict[str, Any]]] = [
        lambda who: harness.slash_payload("interview", user=who, scenario=rng.choice(framework.scenarios).id,
                                          minutes=30),
        lambda who: harness.slash_payload("streak", user=who),
        lambda who: harness.slash_payload("leaderboard", user=who, window="week"),
        lambda who: harness.slash_payload("section", user=who, number=rng.randrange(10)),
        lambda who: harness.slash_payload("help", user=who),
    ]
    return [makers[n % len(makers)](member(first_member + n)) for n in range(count)]


def bare_payloads(harness: DiscordHarness, count: int, *, first_member: int) -> list[dict[str, Any]]:
    data = {"id": "2", "name": "ping", "type": 1, "options": []}
    return [harness.interaction(2, data, user=member(first_member + n), permissions=EVERYONE_PERMISSIONS)
            for n in range(count)]


def member(number: int) -> Person:
    return Person(1_300_000_000_000_000_000 + number, f"Member{number}")


def bare_client() -> discord.Client:
    client = discord.Client(intents=discord.Intents.none())
    tree = app_commands.CommandTree(client)

    @tree.command(name="ping", description="Responds at once")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong")

    return client


def describe(name: str, latencies: list[float], total: float) -> str:
    return (f"  {name:<42} p50 {statistics.median(latencies):6.0f} ms   p99 {percentile(latencies, 99):6.0f} ms   "
            f"max {max(latencies):6.0f} ms   all completed in {total:4.1f} s")


async def main(count: int, runs: int) -> None:
    logging.basicConfig(level=logging.ERROR)
    with ProcessFakeDiscord() as fake, tempfile.TemporaryDirectory() as tmp:
        discord.http.Route.BASE = fake.base_url
        url = f"sqlite:///{tmp}/bench.db"
        await migrate(url)
        store = SqlStore(create_engine(url))
        clock = FakeClock()
        service = PracticeService(store=store, framework=load(), scorer=OfflineScorer(), clock=clock,
                                  rng=random.Random(3))
        # The harness only builds payloads here (channel shapes from an unstarted fake); REST goes to the process.
        harness = DiscordHarness(FakeDiscord(), service, clock, settings(database_url=url))
        bare = bare_client()
        ours_p99: list[float] = []
        bare_p99: list[float] = []
        print(f"Discord: {count} interactions fed at once through parse_interaction_create, {runs} runs; "
              f"fake API in its own process; SQLite; load average {os.getloadavg()[0]:.1f} on "
              f"{os.cpu_count()} CPUs")
        try:
            await harness.login()
            await bare.login("fake-token")
            for run in range(runs):
                first = run * count  # new members each run: nobody has an interview running yet
                ours, ours_total = await burst(harness.bot, fake, practice_payloads(harness, count, first_member=first))
                await service.dispatcher.drain()
                plain, plain_total = await burst(bare, fake, bare_payloads(harness, count, first_member=first))
                ours_p99.append(percentile(ours, 99))
                bare_p99.append(percentile(plain, 99))
                print(f"run {run + 1}")
                print(describe("practice bot (/practice mix, real service)", ours, ours_total))
                print(describe("bare discord.py (/ping, responds at once)", plain, plain_total))
        finally:
            await harness.close()
            await bare.close()
            await service.dispatcher.drain()
            await store.close()
        calls = fake.calls()

    posts = sum(c.method == "POST" and bool(re.fullmatch(r"/channels/\d+/messages", c.path)) for c in calls)
    threads = sum(bool(re.fullmatch(r"/channels/\d+/messages/\d+/threads", c.path)) for c in calls)
    ratios = [ours / bare for ours, bare in zip(ours_p99, bare_p99, strict=True)]
    verdict = "PASS" if statistics.median(ratios) <= TARGET_RATIO else "FAIL"
    print(f"p99 ratio per run (practice bot / bare discord.py): {', '.join(f'{r:.2f}' for r in ratios)}; "
          f"median {statistics.median(ratios):.2f}, target <= {TARGET_RATIO}: {verdict}")
    print(f"median p99 over runs: practice bot {statistics.median(ours_p99):.0f} ms, "
          f"bare discord.py {statistics.median(bare_p99):.0f} ms (Discord's deadline: 3,000 ms)")
    print(f"(behind the initial responses the bot also posted {posts} messages and opened {threads} threads)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.count, arguments.runs))
