"""Posting politely: one message per second per channel, and one shared memory of 429s.

Slack allows ``chat.postMessage`` about one message per second per channel (short
bursts tolerated) plus a workspace-wide limit it enforces with HTTP 429 and
``Retry-After``. ``ChannelPacer`` keeps the first promise on our side; the retry
handler below is slack_sdk's ``AsyncRateLimitErrorRetryHandler`` that also tells a
``RateLimitGate`` about the pause, so calls that have not been sent yet wait it out
instead of each collecting their own 429.

Time and sleep are injected so tests check the arithmetic without waiting.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

log = logging.getLogger(__name__)

Now = Callable[[], float]
Sleep = Callable[[float], Awaitable[Any]]

DEFAULT_RETRY_AFTER = 1.0
PRUNE_EVERY = 1024


class ChannelPacer:
    """At most one send per ``interval`` seconds per channel, first come first served.

    Each caller reserves the next free slot for its channel and sleeps until then, so
    waiting costs nothing but a timer and channels never wait for each other.
    """

    def __init__(self, interval: float = 1.0, *, now: Now = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        if interval < 0:
            raise ValueError("interval must not be negative")
        self.interval = interval
        self._now = now
        self._sleep = sleep
        self._next_slot: dict[str, float] = {}
        self._reservations = 0

    async def wait(self, channel: str) -> float:
        """Wait for ``channel``'s next slot; returns how long that took (seconds)."""
        if self.interval == 0:
            return 0.0
        now = self._now()
        slot = max(now, self._next_slot.get(channel, now))
        self._next_slot[channel] = slot + self.interval
        self._reservations += 1
        if self._reservations % PRUNE_EVERY == 0:
            self._prune(now)
        delay = slot - now
        if delay > 0:
            await self._sleep(delay)
        return delay

    def _prune(self, now: float) -> None:
        """Forget channels whose next slot is already free (10,000 channels stay cheap)."""
        for channel in [c for c, slot in self._next_slot.items() if slot <= now]:
            del self._next_slot[channel]

    def __len__(self) -> int:
        return len(self._next_slot)


class RateLimitGate:
    """Per Web API method: "Slack said wait until then". Calls not yet sent wait here."""

    def __init__(self, *, now: Now = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self._now = now
        self._sleep = sleep
        self._until: dict[str, float] = {}

    def limit(self, method: str, seconds: float) -> None:
        until = self._now() + max(0.0, seconds)
        if until > self._until.get(method, 0.0):
            self._until[method] = until

    def blocked_for(self, method: str) -> float:
        return max(0.0, self._until.get(method, 0.0) - self._now())

    async def wait(self, method: str) -> float:
        """Wait while ``method`` is rate limited; returns the time waited (seconds)."""
        waited = 0.0
        while (delay := self.blocked_for(method)) > 0:
            await self._sleep(delay)
            waited += delay
        return waited


def method_of(url: str) -> str:
    """``https://slack.com/api/chat.postMessage?x=1`` -> ``chat.postMessage``."""
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def retry_after_seconds(headers: Mapping[str, list[str] | str]) -> float:
    for name, values in headers.items():
        if name.lower() == "retry-after" and values:
            try:
                return max(0.0, float(values if isinstance(values, str) else values[0]))
            except ValueError:
                break
    return DEFAULT_RETRY_AFTER


class GatedRateLimitRetryHandler(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 retry handler: wait ``Retry-After`` (+ jitter), then retry.

    Unlike the stock handler it records the pause in a shared ``RateLimitGate`` (so the
    rest of the fan-out holds back), takes its jitter and sleep from the constructor
    (tests), and reads a fractional ``Retry-After`` as sent.
    """

    def __init__(
        self,
        gate: RateLimitGate,
        *,
        max_retry_count: int = 3,
        max_jitter: float = 1.0,
        sleep: Sleep = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.gate = gate
        self.max_jitter = max_jitter
        self._sleep = sleep
        self._jitter = jitter

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:
            raise error if error is not None else RuntimeError("429 retry without a response")
        state.next_attempt_requested = True
        retry_after = retry_after_seconds(response.headers)
        method = method_of(request.url)
        self.gate.limit(method, retry_after)
        delay = retry_after + self._jitter() * self.max_jitter
        log.info("Slack rate limited %s: retrying in %.2f s (attempt %d)", method, delay, state.current_attempt + 1)
        await self._sleep(delay)
        state.increment_current_attempt()


def retry_handlers(gate: RateLimitGate, *, max_retry_count: int = 3, max_jitter: float = 1.0,
                   sleep: Sleep = asyncio.sleep) -> list[AsyncRetryHandler]:
    """Connection resets (slack_sdk's default) and 429s, for every Web API call the bot makes."""
    return [
        AsyncConnectionErrorRetryHandler(),
        GatedRateLimitRetryHandler(gate, max_retry_count=max_retry_count, max_jitter=max_jitter, sleep=sleep),
    ]
