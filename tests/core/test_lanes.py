"""Post-ack work: in order per key, side by side across keys, and a failing job stops nothing."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.inbox import Lanes


async def test_jobs_keep_their_order_per_key_and_run_side_by_side_across_keys() -> None:
    workers = Lanes(4)
    workers.start()
    gate = asyncio.Event()
    done: list[str] = []

    def job(name: str, *, wait: bool = False):  # type: ignore[no-untyped-def]
        async def run() -> None:
            if wait:
                await gate.wait()
            done.append(name)

        return run

    workers.submit("thread-a", job("a1", wait=True), what="a1")
    workers.submit("thread-a", job("a2"), what="a2")
    other = next(f"thread-{n}" for n in range(100) if _bucket(workers, f"thread-{n}") != _bucket(workers, "thread-a"))
    workers.submit(other, job("b1"), what="b1")
    await workers.wait_processed(1)
    assert done == ["b1"], "another thread is not held up by a slow job"
    gate.set()
    await workers.wait_processed(3)
    assert done == ["b1", "a1", "a2"], "a thread's jobs run in the order they came"
    await workers.stop()


async def test_a_failing_job_is_logged_and_the_worker_carries_on(caplog: pytest.LogCaptureFixture) -> None:
    workers = Lanes(1)
    workers.start()
    done: list[int] = []

    async def broken() -> None:
        raise RuntimeError("adapter bug")

    async def fine() -> None:
        done.append(1)

    workers.submit("k", broken, what="broken job")
    workers.submit("k", fine, what="fine job")
    await workers.wait_processed(2)
    assert done == [1]
    assert "in inbound job broken job" in caplog.text
    await workers.stop()


async def test_stop_finishes_queued_work_first() -> None:
    workers = Lanes(2)
    workers.start()
    done: list[int] = []

    async def later() -> None:
        await asyncio.sleep(0)
        done.append(1)

    for n in range(10):
        workers.submit(f"k{n}", later, what="job")
    await workers.stop()
    assert done == [1] * 10


def _bucket(workers: Lanes, key: str) -> int:
    import zlib

    return zlib.crc32(key.encode()) % len(workers._queues)


async def test_jobs_wait_for_a_pause_in_the_acks_but_not_for_long(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.core.inbox._lanes as work

    monkeypatch.setattr(work, "ACK_QUIET", 0.05)
    monkeypatch.setattr(work, "MAX_DEFER", 10.0)
    loop = asyncio.get_running_loop()
    workers = Lanes(2)
    workers.start()
    started: list[float] = []

    async def job() -> None:
        started.append(loop.time())

    async def burst(seconds: float) -> float:
        """Submissions every 5 ms (acks arriving), as a burst of slash commands would make them."""
        end = loop.time() + seconds
        while loop.time() < end:
            workers.submit("burst", job, what="burst")
            await asyncio.sleep(0.005)
        return loop.time()

    last = await burst(0.3)
    assert await workers.join(within=5)
    assert started and started[0] >= last, "no post-ack work started while the acks kept coming"

    monkeypatch.setattr(work, "MAX_DEFER", 0.1)
    started.clear()
    began = loop.time()
    await burst(1.0)
    assert started and 0 <= started[0] - began < 0.6, "but a job waits MAX_DEFER at most, even under a steady stream"
    await workers.stop()
