"""Clocks the core can be given: real, sped up (console demos) and fake (tests)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ScaledClock:
    """Runs ``speed`` times faster than real time from the moment it is made (``--speed``).

    It can be paused: the console pauses it while it replays piped input, so a script's lines
    land in the phases they were written for, whatever the speed.
    """

    def __init__(self, speed: float, start: datetime | None = None) -> None:
        if not 0 < speed < 1e7:
            raise ValueError("speed must be a positive number below 10,000,000")
        self.speed = speed
        self._base = start or datetime.now(UTC)
        self._since = time.monotonic()
        self._paused = False

    def now(self) -> datetime:
        if self._paused:
            return self._base
        elapsed = time.monotonic() - self._since
        return self._base + timedelta(seconds=elapsed * self.speed)

    def pause(self) -> None:
        self._base = self.now()
        self._paused = True

    def resume(self) -> None:
        if self._paused:
            self._since = time.monotonic()
            self._paused = False


class FakeClock:
    """A clock tests move by hand; it never sleeps."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **kwargs: float) -> datetime:
        self._now += timedelta(**kwargs)
        return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = moment
