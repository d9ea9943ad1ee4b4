"""How long making one weekly pairing round takes (``bot.core.pairing.rules.make_round``), and how many pairs
meet again, for teams of several sizes after six weeks of history.

    python -m bench.pairing

A round is made in a worker thread (``asyncio.to_thread``), so the figure is CPU time off the event loop,
once per channel per week. Repeats are unavoidable when a team is small (7 people have 21 pairs; six
rounds hold about 30 meetings), so the figure to read for small teams is how few they are.
"""

from __future__ import annotations

import random
import statistics
import time
from itertools import combinations

from bot.core.pairing.rules import LOOKBACK, PastRound, make_round, repeats

SIZES = (4, 7, 12, 30, 100, 300)
WEEKS = 12


def run(size: int) -> tuple[float, float, int]:
    rng = random.Random(size)
    history: list[PastRound] = []
    timings = []
    repeated = 0
    for _ in range(WEEKS):
        started = time.perf_counter()
        plan = make_round(range(size), history, "trio", rng)
        timings.append(time.perf_counter() - started)
        repeated += len(repeats(plan, history, 3))
        history.insert(0, PastRound(plan.groups, plan.odd))
    return statistics.median(timings) * 1000, max(timings) * 1000, repeated


def main() -> None:
    print(f"make_round, {WEEKS} weeks each, history of {LOOKBACK} rounds counted")
    print(f"{'members':>8} {'pairs':>6} {'median ms':>10} {'max ms':>8} {'met again within 3 weeks':>25}")
    for size in SIZES:
        median, worst, repeated = run(size)
        pairs = len(list(combinations(range(size), 2)))
        print(f"{size:>8} {pairs:>6} {median:>10.2f} {worst:>8.2f} {repeated:>25}")


if __name__ == "__main__":
    main()
