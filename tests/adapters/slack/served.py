"""The real Slack adapter served from its own thread and event loop, so a synchronous driver
(hypothesis) can push requests at it over loopback one after another, as Slack would.

The service runs on the given database (SQLite or PostgreSQL) and a ``FakeClock``; every log
record of every thread is kept, so a test can assert that no traceback was written.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import http.client
import logging
import random
import threading
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.adapters.slack import SlackAdapter
from bot.core.service import PracticeService
from bot.scheduling.clock import FakeClock
from bot.scoring.offline import OfflineScorer
from bot.storage.database import create_engine
from bot.storage.repository import SqlStore
from framework import load
from tests.adapters.hostile import KeptRecords
from tests.adapters.slack.conftest import ADMIN, ALICE, BOB, FAST, SECRET, START, slack_settings
from tests.adapters.slack.mock_api import MockSlackApi

T = TypeVar("T")


class ServedSlack:
    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.records = KeptRecords()
        self.api: MockSlackApi | None = None
        self.adapter: SlackAdapter | None = None
        self.service: PracticeService | None = None
        self.clock = FakeClock(START)
        self.port = 0
        self.requests = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._failed: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="served-slack", daemon=True)
        self._connection: http.client.HTTPConnection | None = None

    # ---------------------------------------------------------------- lifecycle
    def __enter__(self) -> ServedSlack:
        logging.getLogger().addHandler(self.records)
        self._thread.start()
        if not self._ready.wait(30) or self._failed is not None:
            raise RuntimeError("the Slack app did not start") from self._failed
        return self

    def __exit__(self, *exc: object) -> None:
        if self._connection is not None:
            self._connection.close()
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)
        logging.getLogger().removeHandler(self.records)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main())
        except BaseException as exc:  # reported to the test thread by __enter__
            self._failed = exc
            self._ready.set()
        finally:
            loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        async with MockSlackApi() as api:
            api.add_user(ALICE, "Alice", tz="Europe/Berlin")
            api.add_user(BOB, "Bob", tz="America/New_York")
            api.add_user(ADMIN, "Ada", tz="UTC", is_admin=True)
            store = SqlStore(create_engine(self.database_url))
            service = PracticeService(store=store, framework=load(), scorer=OfflineScorer(), clock=self.clock,
                                      rng=random.Random(7))
            adapter = SlackAdapter(slack_settings(api), service, options=FAST)
            await adapter.start()
            self.api, self.adapter, self.service = api, adapter, service
            self.port = adapter.port or 0
            self._ready.set()
            try:
                await self._stop.wait()
            finally:
                await adapter.stop()
                await store.close()

    def run(self, call: Callable[[], Awaitable[T]], *, within: float = 30) -> T:
        """Run a coroutine on the app's loop and wait for its result."""
        assert self._loop is not None

        async def wrapped() -> T:
            return await call()

        return asyncio.run_coroutine_threadsafe(wrapped(), self._loop).result(within)

    def settle(self) -> None:
        assert self.adapter is not None
        adapter = self.adapter
        self.run(lambda: adapter.settle(within=60), within=70)

    # ---------------------------------------------------------------- requests
    def post(self, body: bytes, headers: dict[str, bytes]) -> tuple[int, str]:
        """POST ``/slack/events`` on one kept-alive connection (a new one if the server closed it)."""
        self.requests += 1
        for attempt in (1, 2):
            if self._connection is None:
                self._connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self._connection.putrequest("POST", "/slack/events", skip_accept_encoding=True)
                for name, value in headers.items():
                    self._connection.putheader(name, value)
                self._connection.putheader("Content-Length", str(len(body)))
                self._connection.endheaders(body)
                response = self._connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                if response.getheader("connection", "").lower() == "close":
                    self._connection.close()
                    self._connection = None
                return response.status, text
            except (ConnectionError, http.client.HTTPException):
                self._connection.close()
                self._connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def signed(self, body: bytes, content_type: str, *, extra: dict[str, bytes] | None = None) -> tuple[int, str]:
        """A request signed with the app's secret, now, over ``body``'s raw bytes."""
        timestamp = str(int(time.time())).encode()
        headers = {"Content-Type": content_type.encode("latin-1"), "X-Slack-Request-Timestamp": timestamp,
                   "X-Slack-Signature": signature(body, timestamp)}
        return self.post(body, {**headers, **(extra or {})})

    def get(self, path: str) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read().decode()
        finally:
            connection.close()


def signature(body: bytes, timestamp: bytes, *, secret: str = SECRET) -> bytes:
    """Slack's v0 signature over raw bytes (``signed.sign`` takes text; hostile bodies need not be UTF-8)."""
    digest = hmac.new(secret.encode(), b"v0:" + timestamp + b":" + body, hashlib.sha256).hexdigest()
    return f"v0={digest}".encode()
