"""`practice-bot run` (console, no tokens) start-to-ready time and idle RSS.

Targets: ready in < 1.5 s, idle RSS < 100 MB. Runs the real command in a subprocess on a fresh
SQLite file, waits for the console's ready line, then samples RSS after a short idle.

    python -m bench.startup [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_run(fresh_db: bool) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp}/bench.db", LOG_LEVEL="WARNING")
        for key in ("SLACK_BOT_TOKEN", "DISCORD_TOKEN", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
            env.pop(key, None)
        if not fresh_db:
            subprocess.run([sys.executable, "-m", "bot", "migrate"], env=env, check=True, capture_output=True)
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdin is not None
        line = proc.stdout.readline()
        ready = time.perf_counter() - started
        if "ready" not in line:
            proc.kill()
            raise SystemExit(f"unexpected first line: {line!r}")
        time.sleep(2.0)
        rss = rss_mb(proc.pid)
        proc.stdin.write("/quit\n")
        proc.stdin.flush()
        proc.wait(timeout=10)
        return ready, rss


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for label, fresh in (("fresh database (migrations run)", True), ("migrated database", False)):
        results = [one_run(fresh) for _ in range(args.runs)]
        readies = [r for r, _ in results]
        rsses = [m for _, m in results]
        print(f"practice-bot run (console), {label}, {args.runs} runs:")
        print(f"  start-to-ready: median {statistics.median(readies):.3f} s, max {max(readies):.3f} s"
              f"  (target < 1.5 s)")
        print(f"  idle RSS:       median {statistics.median(rsses):.1f} MB, max {max(rsses):.1f} MB"
              f"  (target < 100 MB)")


if __name__ == "__main__":
    main()
