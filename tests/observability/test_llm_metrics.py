"""LLM calls, latency, tokens and fallbacks, counted around the real LLM scorer on the local fake server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.observability.metrics import PrometheusMetrics, reason_label
from bot.observability.scoring import MeteredProber, metered
from bot.scoring.offline import OfflineScorer
from framework import load
from tests.observability.scrape import value
from tests.scoring import fake_llm_server as fakes
from tests.scoring.fake_llm_server import FakeLlm
from tests.scoring.llm_support import scorer_for

SECTION = load().section(3)
SCENARIO = load().scenario("chat-app")
ANSWER = "We ship native apps: Swift on iOS and Kotlin on Android, plus a React web client."


@pytest.fixture
def fake() -> Iterator[FakeLlm]:
    server = FakeLlm(fakes.scripted_brain({"s3-platforms": ("covered", "Swift on iOS and Kotlin on Android")}))
    server.start()
    yield server
    server.stop()


async def test_calls_tokens_and_fallbacks_by_reason(fake: FakeLlm) -> None:
    metrics = PrometheusMetrics()
    llm = scorer_for(fake)
    scorer = metered(llm, metrics)
    assert isinstance(scorer, MeteredProber), "the LLM scorer also phrases follow-ups: still one"
    try:
        good = await scorer.score(section=SECTION, scenario=SCENARIO, question="Which clients?", answer=ANSWER)
        fake.queue(fakes.malformed_json(), fakes.malformed_json(), fakes.malformed_json())
        bad = await scorer.score(section=SECTION, scenario=SCENARIO, question="Which clients?", answer=ANSWER)
    finally:
        await llm.aclose()
    assert good.scorer == "llm" and bad.fallback_reason
    text = metrics.render().decode()
    assert value(text, "practice_bot_llm_calls_total", purpose="score", outcome="ok") == 1
    assert value(text, "practice_bot_llm_calls_total", purpose="score", outcome="fallback") == 1
    assert value(text, "practice_bot_llm_fallbacks_total", reason=reason_label(bad.fallback_reason)) == 1
    assert value(text, "practice_bot_llm_call_seconds_count", purpose="score") == 2
    prompt_tokens = good.prompt_tokens + bad.prompt_tokens
    assert prompt_tokens > 0
    assert value(text, "practice_bot_llm_tokens_total", kind="prompt") == prompt_tokens
    completion_tokens = good.completion_tokens + bad.completion_tokens
    assert value(text, "practice_bot_llm_tokens_total", kind="completion") == completion_tokens


def test_the_offline_scorer_is_not_wrapped() -> None:
    offline = OfflineScorer()
    assert metered(offline, PrometheusMetrics()) is offline


def test_fallback_reasons_make_few_series() -> None:
    assert reason_label("LLM error (HTTP 503)") == reason_label("LLM error (HTTP 502)") == "llm_error_http"
    assert reason_label("timed out") == "timed_out"
