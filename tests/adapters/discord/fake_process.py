"""The fake Discord API in a child process, for benchmarks: the figures are then the bot's, not the
fake's competing with it for the same interpreter."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import urllib.request
from multiprocessing.connection import Connection

from tests.adapters.discord.fake_api import API_PREFIX, Call, FakeDiscord


class ProcessFakeDiscord:
    """The fake in a child process; ``calls()`` fetches what it recorded (``at`` is comparable with
    this process's ``time.perf_counter()``: both read the system-wide monotonic clock on Linux)."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._parent, child = context.Pipe()
        self._process = context.Process(target=_serve_in_child, args=(child,), name="fake-discord", daemon=True)
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    def __enter__(self) -> ProcessFakeDiscord:
        self._process.start()
        if not self._parent.poll(30):
            raise RuntimeError("the fake Discord process did not start")
        self.port = int(self._parent.recv())
        return self

    def __exit__(self, *exc: object) -> None:
        self._parent.send("stop")
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.kill()

    def calls(self) -> list[Call]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_calls", timeout=30) as response:
            rows = json.loads(response.read())
        return [Call(method, path, None, {}, status, at) for method, path, status, at in rows]


def _serve_in_child(pipe: Connection) -> None:
    async def serve() -> None:
        fake = FakeDiscord()
        await fake.start()
        pipe.send(fake.port)
        await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
        await fake.stop()

    asyncio.run(serve())
