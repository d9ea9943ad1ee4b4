"""The real bolt app behind uvicorn on 127.0.0.1:0, the real service and storage (SQLite file),
a mock Slack Web API that records calls, and a client that signs requests as Slack does.

Nothing sleeps for timing: the service runs on a ``FakeClock`` (tests call ``tick()``
themselves), and every wait is a condition with a timeout (jobs processed, a call seen).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.slack import SlackAdapter, SlackOptions
from bot.config import Settings
from bot.core.refs import ChannelRef, UserRef
from bot.core.service import PracticeService
from bot.scheduling.clock import FakeClock
from bot.scoring.offline import OfflineScorer
from bot.storage.database import create_engine, migrate
from bot.storage.repository import SqlStore
from framework import load
from tests.adapters.slack.mock_api import TEAM_ID, ApiCall, MockSlackApi, Response
from tests.adapters.slack.signed import SignedClient, action_body, command_body, event_body

SECRET = "test-signing-secret"
CHANNEL = "C0PRACTICE"
ALICE = "U0ALICE"
BOB = "U0BOB"
ADMIN = "U0ADMIN"
ALLOWED = "U0ALLOWED"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday

FAST = SlackOptions(pacing_seconds=0, max_jitter=0)
"""Production options except pacing (tested on its own with a fake clock) and 429 jitter."""


def slack_settings(api: MockSlackApi, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": "xoxb-test-token",
        "slack_signing_secret": SECRET,
        "slack_app_token": None,
        "slack_mode": "http",
        "slack_api_url": api.api_url,
        "slack_admin_ids": [ALLOWED],
        "host": "127.0.0.1",
        "port": 0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
async def api() -> AsyncIterator[MockSlackApi]:
    mock = MockSlackApi()
    mock.add_user(ALICE, "Alice", tz="Europe/Berlin")
    mock.add_user(BOB, "Bob", tz="America/New_York")
    mock.add_user(ADMIN, "Ada", tz="UTC", is_admin=True)
    mock.add_user(ALLOWED, "Al", tz="UTC")
    async with mock:
        yield mock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def service(tmp_path: Path, clock: FakeClock) -> AsyncIterator[PracticeService]:
    url = f"sqlite:///{tmp_path / 'slack.db'}"
    await migrate(url)
    store = SqlStore(create_engine(url))
    yield PracticeService(store=store, framework=load(), scorer=OfflineScorer(), clock=clock, rng=random.Random(7))
    await store.close()


@dataclass
class SlackHarness:
    """Drive the app as Slack would and read what it did."""

    adapter: SlackAdapter
    api: MockSlackApi
    service: PracticeService
    clock: FakeClock
    client: SignedClient
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # ---------------------------------------------------------------- sending
    def new_ts(self) -> str:
        """A message ts at the fake clock's now (unique: the microseconds count up)."""
        return f"{int(self.clock.now().timestamp())}.{next(self._ts):06d}"

    async def command(self, text: str, *, user: str = ALICE, channel: str = CHANNEL,
                      team: str = TEAM_ID) -> list[Response]:
        """``/practice text``; returns what the bot answered through the response URL."""
        tag = f"cmd{self.client.next_id()}"
        before = self.adapter.workers.processed
        answer = await self.client.post(
            command_body(text, user=user, channel=channel, response_url=self.api.response_url(tag), team=team),
            content_type="application/x-www-form-urlencoded",
        )
        assert (answer.status, answer.body) == (200, ""), "acked at once with an empty body"
        await self.adapter.workers.wait_processed(before + 1)
        await self.adapter.settle()
        return self.api.responses_to(tag)

    async def event(self, event: dict[str, Any], *, headers: dict[str, str] | None = None,
                    event_id: str | None = None, processed: bool = True) -> None:
        before, accepted = self.adapter.workers.processed, self.service.inbox.accepted
        answer = await self.client.post(
            event_body(event, event_id=event_id or f"Ev{self.client.next_id()}"),
            content_type="application/json", headers=headers,
        )
        assert answer.status == 200, answer.body
        if processed and self.service.inbox.accepted > accepted:  # a redelivery is acked, nothing more
            await self.adapter.workers.wait_processed(before + 1)
            await self.adapter.settle()

    async def say(self, user: str, text: str, *, thread_ts: str | None, subtype: str | None = None,
                  ts: str | None = None, channel: str = CHANNEL, headers: dict[str, str] | None = None,
                  event_id: str | None = None) -> str:
        ts = ts or self.new_ts()
        event: dict[str, Any] = {"type": "message", "channel": channel, "user": user, "text": text, "ts": ts,
                                 "event_ts": ts, "channel_type": "channel"}
        if thread_ts:
            event["thread_ts"] = thread_ts
        if subtype:
            event["subtype"] = subtype
        await self.event(event, headers=headers, event_id=event_id, processed=thread_ts is not None)
        return ts

    async def click(self, user: str, action_id: str, value: str, *, message_ts: str, thread_ts: str | None,
                    channel: str = CHANNEL) -> list[Response]:
        tag = f"click{self.client.next_id()}"
        before = self.adapter.workers.processed
        answer = await self.client.post(
            action_body(action_id=action_id, value=value, user=user, channel=channel, message_ts=message_ts,
                        thread_ts=thread_ts, response_url=self.api.response_url(tag), action_ts=self.new_ts()),
            content_type="application/x-www-form-urlencoded",
        )
        assert (answer.status, answer.body) == (200, "")
        await self.adapter.workers.wait_processed(before + 1)
        await self.adapter.settle()
        return self.api.responses_to(tag)

    async def tick(self, **advance: float) -> None:
        if advance:
            self.clock.advance(**advance)
        await self.service.tick()
        await self.adapter.settle()

    # ---------------------------------------------------------------- reading
    def thread(self, thread_ts: str) -> list[ApiCall]:
        return self.api.posts(channel=CHANNEL, thread_ts=thread_ts)

    def thread_texts(self, thread_ts: str) -> list[str]:
        return [c.text for c in self.thread(thread_ts)]

    def roots(self) -> list[ApiCall]:
        return self.api.posts(channel=CHANNEL, in_thread=False)


def member(user_id: str) -> UserRef:
    return UserRef("slack", user_id, TEAM_ID)


def channel(channel_id: str = CHANNEL) -> ChannelRef:
    return ChannelRef("slack", channel_id, TEAM_ID)


def buttons(call: ApiCall) -> list[dict[str, Any]]:
    return [e for b in call.params.get("blocks") or [] if b["type"] == "actions" for e in b["elements"]]


@pytest.fixture
async def slack(api: MockSlackApi, service: PracticeService, clock: FakeClock) -> AsyncIterator[SlackHarness]:
    adapter = SlackAdapter(slack_settings(api), service, options=FAST)
    await adapter.start()
    try:
        async with SignedClient(f"http://127.0.0.1:{adapter.port}", SECRET) as client:
            yield SlackHarness(adapter, api, service, clock, client)
    finally:
        await adapter.stop()

