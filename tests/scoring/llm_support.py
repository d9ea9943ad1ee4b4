"""Shared pieces of the LLM scorer tests: scorer factory, recorded sleeps, the offline scorer."""

from __future__ import annotations

from typing import Any

from bot.config import Settings
from bot.scoring.llm import LlmScorer, RetryPolicy
from bot.scoring.offline import OfflineScorer
from tests.scoring.fake_llm_server import FakeLlm

TIMEOUT = 0.2
"""For the timeout tests: small enough that a slow server costs a fifth of a second."""
REPLY_TIMEOUT = 3.0
"""For every other test: replies are instant, but a loaded CI machine must not turn them into timeouts."""


class Sleeps:
    """Stands in for ``asyncio.sleep``: records the delays, waits for nothing."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def scorer_for(fake: FakeLlm | str, *, sleeps: Sleeps | None = None, **overrides: Any) -> LlmScorer:
    options: dict[str, Any] = {
        "model": "fake-model",
        "fallback": OfflineScorer(),
        "base_url": fake if isinstance(fake, str) else fake.base_url,
        "timeout_seconds": REPLY_TIMEOUT,
        "max_concurrency": 4,
        "retry": RetryPolicy(max_retries=2, backoff_base_seconds=0.01, backoff_max_seconds=0.05,
                             retry_after_cap_seconds=5),
        "sleep": sleeps or Sleeps(),
    }
    options.update(overrides)
    return LlmScorer(**options)


def make_settings(**values: Any) -> Settings:
    """Settings from ``values`` only: no ``.env`` file (the environment still applies, as in production)."""
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]  # pydantic-settings' init-only option
