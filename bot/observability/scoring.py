"""LLM calls counted at the edge: a ``Scorer`` that times the one it wraps and reads its cards.

The LLM scorer's card already says what happened (``scorer``, tokens, ``fallback_reason``), so
wrapping it counts calls, latency, tokens and fallbacks without a metrics library in
``bot/scoring``. Only an LLM scorer is wrapped: the offline one calls nothing.
"""

from __future__ import annotations

import time

from bot.core.ports import Prober, Scorer
from bot.core.records import FollowUp, ScoreCard
from bot.observability.metrics import PrometheusMetrics
from framework import ChecklistItem, Level, Scenario, Section


class MeteredScorer:
    def __init__(self, inner: Scorer, metrics: PrometheusMetrics) -> None:
        self.inner = inner
        self.kind = inner.kind
        self._metrics = metrics

    async def score(self, *, section: Section, scenario: Scenario | None, question: str, answer: str) -> ScoreCard:
        started = time.monotonic()
        card = await self.inner.score(section=section, scenario=scenario, question=question, answer=answer)
        self._metrics.llm("score", time.monotonic() - started,
                          outcome="fallback" if card.fallback_reason else "ok",
                          prompt_tokens=card.prompt_tokens, completion_tokens=card.completion_tokens,
                          fallback_reason=card.fallback_reason)
        return card

    def take_admin_notice(self) -> str | None:
        take = getattr(self.inner, "take_admin_notice", None)
        return take() if callable(take) else None

    async def aclose(self) -> None:
        close = getattr(self.inner, "aclose", None)
        if close is not None:
            await close()


class MeteredProber(MeteredScorer):
    """The same, for a scorer that also phrases follow-up questions."""

    def __init__(self, inner: Scorer, prober: Prober, metrics: PrometheusMetrics) -> None:
        super().__init__(inner, metrics)
        self._prober = prober

    async def follow_up(self, *, section: Section, scenario: Scenario, question: str, answer: str,
                        item: ChecklistItem, level: Level) -> FollowUp | None:
        started = time.monotonic()
        result = await self._prober.follow_up(section=section, scenario=scenario, question=question,
                                              answer=answer, item=item, level=level)
        self._metrics.llm("follow_up", time.monotonic() - started, outcome="ok" if result is not None else "none")
        return result


def metered(scorer: Scorer, metrics: PrometheusMetrics) -> Scorer:
    """``scorer`` counted in ``metrics`` when it is an LLM scorer; the offline scorer as it is."""
    if scorer.kind != "llm":
        return scorer
    if isinstance(scorer, Prober):
        return MeteredProber(scorer, scorer, metrics)
    return MeteredScorer(scorer, metrics)
