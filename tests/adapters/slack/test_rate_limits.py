"""429s are retried after Retry-After; posting is paced per channel; a claimed prompt posts once."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.adapters.slack import SlackAdapter, SlackOptions
from bot.adapters.slack.pacing import (
    DEFAULT_MAX_RETRIES,
    ChannelPacer,
    GatedRateLimitRetryHandler,
    RateLimitGate,
    method_of,
)
from bot.core.service import PracticeService
from bot.scheduling.clock import FakeClock
from tests.adapters.slack.conftest import ALICE, CHANNEL, SECRET, SlackHarness, slack_settings
from tests.adapters.slack.mock_api import MockSlackApi
from tests.adapters.slack.signed import SignedClient


class FakeTime:
    """A monotonic clock and a sleep that only records (the pacer's arithmetic, no waiting)."""

    def __init__(self, *, advance: bool = False) -> None:
        self.now = 100.0
        self.slept: list[float] = []
        self.advance = advance

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        if self.advance:
            self.now += seconds


async def test_a_429_is_retried_after_retry_after(slack: SlackHarness) -> None:
    slack.api.fail_next("chat.postMessage", retry_after=1)
    assert await slack.command("prompt", user=ALICE) == []
    attempts = slack.api.calls_to("chat.postMessage")
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 1.0, "waited Retry-After before retrying"
    assert len(slack.roots()) == 1, "posted once"
    assert slack.adapter.gate.blocked_for("chat.postMessage") == 0


@pytest.fixture
async def recorded_sleep_slack(api: MockSlackApi, service: PracticeService, clock: FakeClock
                               ) -> AsyncIterator[tuple[SlackHarness, FakeTime]]:
    fake = FakeTime(advance=True)
    options = SlackOptions(pacing_seconds=0, max_jitter=0, sleep=fake.sleep, monotonic=fake.monotonic)
    adapter = SlackAdapter(slack_settings(api), service, options=options)
    await adapter.start()
    try:
        async with SignedClient(f"http://127.0.0.1:{adapter.port}", SECRET) as client:
            yield SlackHarness(adapter, api, service, clock, client), fake
    finally:
        await adapter.stop()


async def test_the_retry_waits_exactly_what_slack_asked(recorded_sleep_slack: tuple[SlackHarness, FakeTime]) -> None:
    slack, fake = recorded_sleep_slack
    slack.api.fail_next("chat.postMessage", retry_after=30, times=2)
    await slack.command("prompt", user=ALICE)
    assert fake.slept == [30.0, 30.0], "Retry-After, twice, and no real waiting"
    assert [c.status for c in slack.api.calls_to("chat.postMessage")] == [429, 429, 200]
    assert len(slack.roots()) == 1



async def test_retries_give_up_after_max_retries_and_the_outbox_tries_again_later(
    recorded_sleep_slack: tuple[SlackHarness, FakeTime],
) -> None:
    slack, _ = recorded_sleep_slack
    slack.api.fail_next("chat.postMessage", retry_after=1, times=1 + DEFAULT_MAX_RETRIES)
    await slack.command("prompt", user=ALICE)
    assert slack.roots() == []
    await slack.tick(seconds=30)  # the dispatcher's backoff has passed
    assert len(slack.roots()) == 1, "the claimed prompt is posted once, later"
    await slack.tick(minutes=5)
    assert len(slack.roots()) == 1


async def test_channel_pacer_gives_each_channel_one_slot_per_interval() -> None:
    fake = FakeTime()
    pacer = ChannelPacer(1.0, now=fake.monotonic, sleep=fake.sleep)

    async def burst() -> list[float]:
        """Five posts reserved at the same moment (as concurrent senders would)."""
        return [await pacer.wait(channel) for channel in ("C1", "C1", "C2", "C1", "C2")]

    assert await burst() == [0.0, 1.0, 0.0, 2.0, 1.0]
    assert fake.slept == [1.0, 2.0, 1.0]
    fake.now += 10
    assert await burst() == [0.0, 1.0, 0.0, 2.0, 1.0], "a quiet channel posts at once"
    assert await ChannelPacer(0).wait("C1") == 0.0


async def test_channel_pacer_forgets_idle_channels() -> None:
    fake = FakeTime()
    pacer = ChannelPacer(1.0, now=fake.monotonic, sleep=fake.sleep)
    for n in range(3000):
        fake.now += 0.01
        await pacer.wait(f"C{n}")
    assert len(pacer) < 1100, "10,000 channels do not stay in memory forever"


async def test_the_429_handler_pauses_the_method_and_retries_through_the_gate() -> None:
    fake = FakeTime(advance=True)
    gate = RateLimitGate(now=fake.monotonic, sleep=fake.sleep)
    handler = GatedRateLimitRetryHandler(gate, sleep=fake.sleep)
    request = HttpRequest(method="POST", url="http://127.0.0.1:9/api/chat.postMessage", headers={})
    response = HttpResponse(status_code=429, headers={"Retry-After": ["7"]}, body={"ok": False})
    state = RetryState()
    assert await handler.can_retry_async(state=state, request=request, response=response)
    await handler.prepare_for_next_attempt_async(state=state, request=request, response=response)
    assert fake.slept == [7.0], "exactly Retry-After"
    assert state.current_attempt == 1
    gate.limit("chat.postMessage", 3)
    assert gate.blocked_for("chat.postMessage") == 3
    assert gate.blocked_for("users.info") == 0, "limits are per method"
    assert await gate.wait("chat.postMessage") == 3, "a call made during the pause waits it out"
    assert method_of("https://slack.com/api/users.info?user=U1") == "users.info"


async def test_the_gate_learns_the_workspace_pace_from_a_429() -> None:
    fake = FakeTime(advance=True)
    gate = RateLimitGate(now=fake.monotonic, sleep=fake.sleep)
    method = "chat.postMessage"
    for _ in range(50):  # 50 posts went through in the half second before Slack said stop
        gate.succeeded(method)
        fake.now += 0.01
    gate.limit(method, 1)
    assert gate.pace(method) == pytest.approx(50 * 0.97)
    assert await gate.wait(method) == pytest.approx(1.0), "first the pause"
    learned = gate.pace(method)
    assert learned == pytest.approx(50 * 0.97 * 1.002), "a second without a 429: 0.2 % faster"
    waits = [await gate.wait(method) for _ in range(3)]
    assert waits[1:] == [pytest.approx(1 / learned)] * 2, "then one call per 1/48.6 s, no burst"

    fake.now += 2
    for _ in range(60):  # a second of sending with everything getting through
        gate.succeeded(method)
        fake.now += 1 / 60
    pace = gate.pace(method)
    gate.limit(method, 0)
    assert gate.pace(method) == pytest.approx(pace * 0.95), "a 429 while paced, seconds after the last: 5 % slower"
    gate.limit(method, 0)
    assert gate.pace(method) == pytest.approx(pace * 0.95), "the same burst does not count twice"

    for _ in range(2):
        fake.now += 1
        await gate.wait(method)
    assert gate.pace(method) == pytest.approx(pace * 0.97), "quiet seconds: quickly back to just under it"
    for _ in range(10):
        fake.now += 1
        await gate.wait(method)
    assert gate.pace(method) == pytest.approx(pace * 0.97 * 1.002 ** 10), "then past it slowly: 0.2 % a second"
    fake.now += 61
    await gate.wait(method)
    assert gate.pace(method) is None, "forgotten after a minute without calls"
    gate.succeeded("users.info")
    gate.limit("users.info", 1)
    assert gate.pace("users.info") is None, "one success says nothing about the allowance"


def learned_gate(successes: int) -> tuple[FakeTime, RateLimitGate]:
    """A gate that saw ``successes`` posts go through within a moment, then a 429 (Retry-After 1)."""
    fake = FakeTime()
    gate = RateLimitGate(now=fake.monotonic, sleep=fake.sleep)
    for _ in range(successes):
        gate.succeeded("chat.postMessage")
        fake.now += 0.001
    gate.limit("chat.postMessage", 1)
    return fake, gate


async def test_a_paced_429_corrects_an_overestimate_from_what_got_through() -> None:
    """Two bot processes share a workspace: this one learned 97/s in a burst, but only 30/s of its
    calls get through now. One 429 later it paces under 30/s instead of backing off 5 % at a time."""
    fake, gate = learned_gate(100)
    method = "chat.postMessage"
    assert gate.pace(method) == pytest.approx(97)
    fake.now += 1  # the pause is over
    for _ in range(30):
        fake.now += 1 / 30
        gate.succeeded(method)
    gate.limit(method, 1)
    assert gate.pace(method) == pytest.approx(30 * 0.8, rel=0.05), "and 20 % under: 429s keep coming"


async def test_429s_in_quick_succession_slow_down_harder() -> None:
    fake, gate = learned_gate(100)  # learned 97/s
    method = "chat.postMessage"
    fake.now += 1.2  # the pause, then a moment of sending too fast for anything to show
    gate.limit(method, 1)
    assert gate.pace(method) == pytest.approx(97 * 0.8)
    fake.now += 4
    gate.limit(method, 1)
    assert gate.pace(method) == pytest.approx(97 * 0.8 * 0.95), "a 429 after a quiet while: gently"


async def test_after_a_hard_back_off_the_pace_recovers_within_seconds() -> None:
    fake, gate = learned_gate(50)  # learned 48.5/s under a ceiling of 50
    method = "chat.postMessage"
    fake.now += 1.5
    gate.limit(method, 1)  # again at once: 20 % down
    assert gate.pace(method) == pytest.approx(48.5 * 0.8)
    fake.now += 1
    for _ in range(12):
        fake.now += 1
        await gate.wait(method)
    recovered = gate.pace(method)
    assert recovered is not None
    assert 48.5 * 0.97 <= recovered <= 48.5 * 0.97 * 1.002 ** 4, "13 quiet seconds: back just under the 429's pace"


@pytest.fixture
async def paced_slack(api: MockSlackApi, service: PracticeService, clock: FakeClock) -> AsyncIterator[SlackHarness]:
    adapter = SlackAdapter(slack_settings(api), service, options=SlackOptions(pacing_seconds=0.25, max_jitter=0))
    await adapter.start()
    try:
        async with SignedClient(f"http://127.0.0.1:{adapter.port}", SECRET) as client:
            yield SlackHarness(adapter, api, service, clock, client)
    finally:
        await adapter.stop()


async def test_posts_in_one_channel_are_paced(paced_slack: SlackHarness) -> None:
    await paced_slack.command("interview url-shortener 20", user=ALICE)
    [parent] = paced_slack.roots()
    await paced_slack.say(ALICE, "next", thread_ts=parent.ts)
    times = [c.at for c in paced_slack.api.posts(channel=CHANNEL)]
    assert len(times) == 3
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert min(gaps) >= 0.2, gaps  # 0.25 s apart when sent; loopback jitter is far below 50 ms

