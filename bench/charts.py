"""Chart rendering: p95 per picture, the event loop's responsiveness meanwhile, and start-up with and
without a chart drawn.

1. ``/practice stats`` (a member with a year of practice) and a 10-section x 26-week team heatmap,
   each drawn ``--runs`` times through ``MatplotlibCharts`` (its worker thread) from charts built by
   the core's own rules (``bot.core.progress.stats``). Target: p95 < 300 ms each. While they draw, a
   probe on the event loop sleeps 5 ms at a time and records how late each wake-up is: that lateness
   is what any other work on the loop (an ack, an answer) would wait.
2. ``practice-bot run`` (console, no tokens) in a subprocess: start-to-ready, whether matplotlib is
   loaded once ready (read from ``/proc/PID/maps``: its compiled modules are mapped once imported),
   then ``/practice stats`` and the time until the picture's path is printed. P5: ready < 1.5 s.

    python -m bench.charts [--runs 30] [--startup-runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.charts import MatplotlibCharts
from bot.core.charts import PersonalChart, TeamChart
from bot.core.progress.stats import ScoreFact, personal_chart, score_grid, team_chart, week_start
from bot.core.records import ItemVerdict
from bot.core.refs import UserRef
from framework import Framework, load

TODAY = date(2026, 12, 2)
TARGET_MS = 300.0
PROBE_SECONDS = 0.005


def _facts(framework: Framework, rng: random.Random, *, members: int, days: int, per_day: float) -> list[ScoreFact]:
    people = [UserRef("console", f"m{n}", "local", f"Member {n}") for n in range(members)]
    facts: list[ScoreFact] = []
    for back in range(days):
        day = TODAY - timedelta(days=back)
        for person in people:
            if rng.random() > per_day:
                continue
            section = framework.sections[rng.randrange(len(framework.sections))]
            verdicts = tuple(ItemVerdict(item.id, rng.choice(("covered", "partial", "missing")))
                             for item in section.items)
            at = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
            facts.append(ScoreFact(person, section.number, round(rng.uniform(0, 10), 1), at, day, verdicts,
                                   "interview"))
    return facts


def personal(framework: Framework) -> PersonalChart:
    facts = _facts(framework, random.Random(1), members=1, days=365, per_day=0.7)
    return personal_chart(facts, {f.day for f in facts}, framework, today=TODAY, name="Member 0")


def team_26_weeks(framework: Framework) -> TeamChart:
    """The core's team chart, its coverage widened to 26 weekly columns (the issue's 10 x 26 case)."""
    facts = _facts(framework, random.Random(2), members=40, days=26 * 7, per_day=0.5)
    chart = team_chart(facts, framework, window="quarter", today=TODAY, where="#practice", names={})
    first = week_start(TODAY) - timedelta(weeks=25)
    wide = score_grid(facts, framework, first=first, columns=26, days=7, title=chart.coverage.title)
    return TeamChart(title=chart.title.replace("quarter", "26 weeks"), coverage=wide, improved=chart.improved)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def _probe(lateness: list[float], stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        planned = loop.time() + PROBE_SECONDS
        await asyncio.sleep(PROBE_SECONDS)
        lateness.append(max(0.0, loop.time() - planned))


async def measure(runs: int) -> None:
    framework = load()
    charts = MatplotlibCharts()
    try:
        member, team = personal(framework), team_26_weeks(framework)
        cases: list[tuple[str, Callable[[], Awaitable[bytes]]]] = [
            ("personal stats (26-week calendar, 10 x 26 scores, weakest)", lambda: charts.personal(member)),
            ("team heatmap, 10 sections x 26 weeks", lambda: charts.team(team)),
        ]
        started = time.perf_counter()
        first = await charts.personal(member)
        print(f"first picture, matplotlib import included: {(time.perf_counter() - started) * 1000:.0f} ms "
              f"({len(first) // 1024} KiB)")
        for label, draw in cases:
            lateness: list[float] = []
            stop = asyncio.Event()
            probe = asyncio.create_task(_probe(lateness, stop))
            times: list[float] = []
            for _ in range(runs):
                began = time.perf_counter()
                png = await draw()
                times.append((time.perf_counter() - began) * 1000)
            stop.set()
            await probe
            p95 = _percentile(times, 0.95)
            print(f"{label}, {runs} renders in the worker thread:")
            print(f"  render: median {statistics.median(times):.0f} ms, p95 {p95:.0f} ms, max {max(times):.0f} ms "
                  f"(target p95 < {TARGET_MS:.0f} ms: {'met' if p95 < TARGET_MS else 'NOT met'}); "
                  f"{len(png) // 1024} KiB")
            late = [x * 1000 for x in lateness]
            print(f"  event loop meanwhile: {len(late)} wake-ups of a {PROBE_SECONDS * 1000:.0f} ms sleep, late by "
                  f"median {statistics.median(late):.1f} ms, p99 {_percentile(late, 0.99):.1f} ms, "
                  f"max {max(late):.1f} ms")
    finally:
        charts.close()


def _matplotlib_mapped(pid: int) -> bool:
    return "/matplotlib/" in Path(f"/proc/{pid}/maps").read_text()


def startup_run() -> tuple[float, bool, float, bool]:
    """(start-to-ready s, matplotlib loaded when ready, /practice stats to picture path s, loaded after)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp}/bench.db", LOG_LEVEL="WARNING", TMPDIR=tmp)
        for key in ("SLACK_BOT_TOKEN", "DISCORD_TOKEN", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
            env.pop(key, None)
        subprocess.run([sys.executable, "-m", "bot", "migrate"], env=env, check=True, capture_output=True)
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdin is not None
        try:
            line = proc.stdout.readline()
            ready = time.perf_counter() - started
            if "ready" not in line:
                raise SystemExit(f"unexpected first line: {line!r}")
            loaded_at_start = _matplotlib_mapped(proc.pid)
            asked = time.perf_counter()
            proc.stdin.write("/practice stats\n")
            proc.stdin.flush()
            while "(picture)" not in (line := proc.stdout.readline()):
                if not line:
                    raise SystemExit("the console ended before printing the picture")
            drawn = time.perf_counter() - asked
            loaded_after = _matplotlib_mapped(proc.pid)
            proc.stdin.write("/quit\n")
            proc.stdin.flush()
            proc.wait(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
        return ready, loaded_at_start, drawn, loaded_after


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--startup-runs", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(measure(args.runs))
    results = [startup_run() for _ in range(args.startup_runs)]
    readies = [r[0] for r in results]
    drawn = [r[2] for r in results]
    print(f"practice-bot run (console, migrated SQLite), {args.startup_runs} runs:")
    print(f"  start-to-ready without a chart: median {statistics.median(readies):.3f} s, max {max(readies):.3f} s "
          f"(P5 target < 1.5 s: {'met' if max(readies) < 1.5 else 'NOT met'})")
    print(f"  matplotlib loaded when ready: {sum(r[1] for r in results)} of {len(results)} runs")
    print(f"  then /practice stats to its picture path (first chart: matplotlib import + draw): median "
          f"{statistics.median(drawn):.3f} s, max {max(drawn):.3f} s; start-to-first-picture median "
          f"{statistics.median(r[0] + r[2] for r in results):.3f} s")
    print(f"  matplotlib loaded after the chart: {sum(r[3] for r in results)} of {len(results)} runs")


if __name__ == "__main__":
    main()
