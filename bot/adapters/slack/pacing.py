"""Posting politely: one message per second per channel, and what Slack's 429s teach.

Slack allows ``chat.postMessage`` about one message per second per channel (short bursts
tolerated) plus a workspace-wide limit it enforces with HTTP 429 and ``Retry-After``.

* ``ChannelPacer`` keeps the per-channel promise on our side.
* ``RateLimitGate`` remembers, per Web API method, what a 429 said: nothing more is sent
  until ``Retry-After`` has passed, and from then on calls are paced just under the rate
  that had succeeded in the second before the 429 (the workspace's allowance, as far as
  we can see it). So a fan-out to thousands of channels pays for one burst of 429s and
  then runs at about the allowance, instead of colliding with every window. Each further
  429 slows the pace by 5 % (20 % when 429s keep coming within seconds of each other: the
  first estimate was well over); each second without one speeds it up, by 2 % back to just
  under the pace the last 429 came at, then by 0.2 % (so several bot processes sharing a
  workspace drift toward fair shares, and a process left alone takes back what another
  released). A pace is forgotten after a quiet minute without calls.
* ``GatedRateLimitRetryHandler`` is slack_sdk's ``AsyncRateLimitErrorRetryHandler``
  that reports each 429 to the gate and retries through it.

Time and sleep are injected so tests check the arithmetic without waiting.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
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
DEFAULT_MAX_JITTER = 0.0
"""Retries are spread by the gate's pace, so no random jitter is needed on top."""
DEFAULT_MAX_RETRIES = 5
PRUNE_EVERY = 1024
LEARN_WINDOW = 1.0
"""Calls that succeeded this many seconds before a 429 show the allowance."""
MIN_LEARN = 5
"""Fewer successes than this say nothing about the allowance (a quiet moment, a per-channel 429)."""
BACK_OFF_HARD = 0.8
REPEAT_WINDOW = 3.0
"""429s again within this many seconds (each follows a Retry-After pause): the pace is well over the
allowance (a first estimate that counted two of Slack's windows), so slow down 20 % instead."""
MIN_SPAN = 0.25
"""Seconds of sending that say how much got through (shorter: too few calls to tell)."""
HEADROOM = 0.97
BACK_OFF = 0.95
"""A 429 while already paced: the allowance shrank (another replica, Slack): 5 % under the pace, or
under what got through in the last second when that was less."""
RECOVER = 0.02
"""Each second without a 429 while under the ceiling (97 % of the pace the last 429 came at): 2 %
faster, so a hard back-off is made good within seconds."""
RAISE = 0.002
"""Each second without a 429 at or above the ceiling: 0.2 % faster, so several processes drift toward
fair shares and one left alone takes back what another released. Slow on purpose: every 429 costs a
Retry-After pause."""
FORGET_AFTER = 60.0
"""Seconds without any call of a method after which its pace is forgotten."""


class ChannelPacer:
    """At most one send per ``interval`` seconds per channel, first come first served.

    Each caller reserves the next free slot for its channel and sleeps until then, so
    waiting costs nothing but a timer and channels never wait for each other. ``sent``
    moves the next slot on when a send was held up elsewhere after its slot (the gate).
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

    def sent(self, channel: str) -> None:
        """The send for the current slot goes out now: the next one waits a full interval."""
        if self.interval == 0:
            return
        after = self._now() + self.interval
        if after > self._next_slot.get(channel, 0.0):
            self._next_slot[channel] = after

    def _prune(self, now: float) -> None:
        """Forget channels whose next slot is already free (10,000 channels stay cheap)."""
        for channel in [c for c, slot in self._next_slot.items() if slot <= now]:
            del self._next_slot[channel]

    def __len__(self) -> int:
        return len(self._next_slot)


@dataclass
class _MethodPace:
    """What the gate knows about one Web API method."""

    recent: deque[float] = field(default_factory=deque)
    """When calls succeeded in the last ``LEARN_WINDOW`` seconds."""
    paused_until: float = 0.0
    """No call before this (the latest ``Retry-After``)."""
    pace: float | None = None
    """Calls per second allowed; ``None`` until a 429 taught one."""
    ceiling: float = 0.0
    """The pace the last 429 came at (the allowance, as far as we can tell)."""
    next_slot: float | None = None
    limited_at: float | None = None
    adjusted_at: float = 0.0
    called_at: float | None = None

    def successes(self, now: float) -> int:
        while self.recent and self.recent[0] <= now - LEARN_WINDOW:
            self.recent.popleft()
        return len(self.recent)


class RateLimitGate:
    """Per Web API method: the pause Slack asked for, and the pace learned from it."""

    def __init__(self, *, now: Now = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self._now = now
        self._sleep = sleep
        self._methods: dict[str, _MethodPace] = defaultdict(_MethodPace)
        self.on_limit: Callable[[str], None] | None = None
        """Told the method of every 429 (the runtime counts them in metrics)."""

    def succeeded(self, method: str) -> None:
        now = self._now()
        state = self._methods[method]
        state.recent.append(now)
        state.successes(now)

    def limit(self, method: str, seconds: float) -> None:
        """Slack answered 429 with ``Retry-After: seconds``."""
        if self.on_limit is not None:
            self.on_limit(method)
        now = self._now()
        state = self._methods[method]
        paused_until = state.paused_until
        state.paused_until = max(paused_until, now + max(0.0, seconds))
        previous, state.limited_at = state.limited_at, now
        seen = state.successes(now)
        if state.pace is None:
            if seen >= MIN_LEARN:
                state.ceiling, state.pace = seen, seen * HEADROOM
                log.info("Slack allows about %d %s per second here: pacing to %.1f/s", seen, method, state.pace)
        elif previous is None or now - previous >= LEARN_WINDOW:
            pace = state.pace
            # What got through since the last pause ended (up to a second) shows an overestimate.
            start = max(paused_until, now - LEARN_WINDOW)
            got_through = sum(1 for at in state.recent if at > start)
            if now - start >= MIN_SPAN and got_through >= MIN_LEARN:
                pace = min(pace, got_through / (now - start))
            back_off = BACK_OFF_HARD if previous is not None and now - previous < REPEAT_WINDOW else BACK_OFF
            state.ceiling, state.pace = pace, pace * back_off
            log.info("Slack rate limited %s while paced: pacing to %.1f/s", method, state.pace)

    def pace(self, method: str) -> float | None:
        """Calls per second currently allowed, or ``None`` when unpaced."""
        return self._methods[method].pace

    def blocked_for(self, method: str) -> float:
        return max(0.0, self._methods[method].paused_until - self._now())

    async def wait(self, method: str) -> float:
        """Wait out a pause, then for this call's paced slot; returns the time waited (seconds)."""
        waited = 0.0
        while (delay := self.blocked_for(method)) > 0:
            await self._sleep(delay)
            waited += delay
        state = self._methods[method]
        now = self._now()
        called_at = now if state.called_at is None else state.called_at
        state.called_at = now
        if state.pace is None:
            return waited
        if now - called_at > FORGET_AFTER:
            state.pace = state.next_slot = None
            return waited
        since = max(now if state.limited_at is None else state.limited_at, state.adjusted_at)
        if now - since >= 1.0:
            state.pace = raised(state.pace, state.ceiling * HEADROOM, int(now - since))
            state.adjusted_at = now
        slot = max(now, now if state.next_slot is None else state.next_slot)
        state.next_slot = slot + 1.0 / state.pace
        if slot > now:
            await self._sleep(slot - now)
            waited += slot - now
        return waited


def raised(pace: float, target: float, seconds: int) -> float:
    """The pace after ``seconds`` without a 429: quickly back up to ``target`` (just under the
    ceiling), past it slowly."""
    for _ in range(min(seconds, 600)):
        pace = min(pace * (1 + RECOVER), target) if pace < target else pace * (1 + RAISE)
    return pace


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
    """slack_sdk's 429 retry handler: wait ``Retry-After``, then retry.

    Unlike the stock handler it reports the 429 to the shared ``RateLimitGate`` and then
    waits on the gate (the latest pause any call of the method was given, then a paced
    slot) instead of sleeping on its own with up to a second of random jitter; jitter and
    sleep come from the constructor (tests), and a fractional ``Retry-After`` is read as sent.
    """

    def __init__(
        self,
        gate: RateLimitGate,
        *,
        max_retry_count: int = DEFAULT_MAX_RETRIES,
        max_jitter: float = DEFAULT_MAX_JITTER,
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
        log.info("Slack rate limited %s: retrying after %.2f s (attempt %d)", method, retry_after,
                 state.current_attempt + 1)
        if self.max_jitter > 0:
            await self._sleep(self._jitter() * self.max_jitter)
        await self.gate.wait(method)  # Retry-After (and any later pause), then a paced slot
        state.increment_current_attempt()


class UncertainPostRetryHandler(AsyncConnectionErrorRetryHandler):
    """slack_sdk's connection-error retry, except for a post the connection broke under.

    A reset or a disconnect after the request went out leaves it unknown whether Slack posted the
    message; retrying here would post it twice. Such a post fails instead, and the outbox, which
    looks for it in the history before it tries again (``SlackChat.find_sent``), decides. A
    connection that could not be opened at all sent nothing, so it is retried as usual.
    """

    async def _can_retry_async(self, *, state: RetryState, request: HttpRequest,
                               response: HttpResponse | None = None, error: Exception | None = None) -> bool:
        if request.url.endswith(NOT_REPEATABLE) and not isinstance(error, aiohttp.ClientConnectorError):
            return False
        return await super()._can_retry_async(state=state, request=request, response=response, error=error)


NOT_REPEATABLE = ("chat.postMessage",)
"""Web API methods whose repeat has a visible effect (a second message)."""


def retry_handlers(gate: RateLimitGate, *, max_retry_count: int = DEFAULT_MAX_RETRIES,
                   max_jitter: float = DEFAULT_MAX_JITTER, sleep: Sleep = asyncio.sleep) -> list[AsyncRetryHandler]:
    """Connection resets (slack_sdk's default) and 429s, for every Web API call the bot makes."""
    return [
        UncertainPostRetryHandler(),
        GatedRateLimitRetryHandler(gate, max_retry_count=max_retry_count, max_jitter=max_jitter, sleep=sleep),
    ]
