"""The LLM scorer over loopback with the real ``openai`` client: replies, faults, limits."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.core.records import ScoreCard
from bot.scoring import prompt
from bot.scoring.llm import DUMMY_API_KEY, LlmScorer, RetryPolicy, retry_after_seconds
from bot.scoring.offline import OfflineScorer
from framework import Scenario, Section, load
from tests.scoring import fake_llm_server as fakes
from tests.scoring.fake_llm_server import FakeLlm, Reply
from tests.scoring.llm_support import TIMEOUT, Sleeps, make_settings, scorer_for

SECTION = load().section(3)
SCENARIO = load().scenario("chat-app")
QUESTION = "Which clients does Chat application need, and how would you build them?"
ANSWER = (
    "We ship native apps: Swift on iOS and Kotlin on Android, plus a React web client. "
    "Clients talk REST to the BFF, and a WebSocket pushes new messages so nobody polls."
)
GOOD = fakes.scripted_brain({
    "s3-platforms": ("covered", "Swift on iOS and Kotlin on Android, plus a React web client"),
    "s3-realtime-updates": ("covered", "a WebSocket pushes new messages"),
    "s3-fetch-protocols": ("partial", "Clients talk REST to the BFF"),
})


@pytest.fixture
def fake() -> Iterator[FakeLlm]:
    with fakes.running(GOOD) as server:
        yield server


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def scorer(fake: FakeLlm, sleeps: Sleeps) -> AsyncIterator[LlmScorer]:
    llm = scorer_for(fake, sleeps=sleeps)
    yield llm
    await llm.aclose()


async def score(llm: LlmScorer, answer: str = ANSWER, section: Section = SECTION,
                scenario: Scenario | None = SCENARIO) -> ScoreCard:
    return await llm.score(section=section, scenario=scenario, question=QUESTION, answer=answer)


# replies ---------------------------------------------------------------------------------------
async def test_a_good_reply_is_scored_by_the_llm_with_verified_evidence(scorer: LlmScorer, fake: FakeLlm) -> None:
    card = await score(scorer)

    assert card.scorer == "llm" and card.model == "fake-model" and card.fallback_reason == ""
    verdicts = {v.item_id: v for v in card.verdicts}
    assert [v.item_id for v in card.verdicts] == [item.id for item in SECTION.items]
    assert verdicts["s3-platforms"].verdict == "covered"
    assert verdicts["s3-platforms"].evidence == "Swift on iOS and Kotlin on Android, plus a React web client"
    assert verdicts["s3-realtime-updates"].verdict == "covered"
    assert verdicts["s3-fetch-protocols"].verdict == "partial"
    assert verdicts["s3-ownership"].verdict == "missing" and verdicts["s3-ownership"].evidence == ""
    # recomputed from weights (1.0 + 1.0 + 0.5 * 1.5 of 7.75), not the model's 5
    assert card.score == pytest.approx(round(10 * 2.75 / 7.75, 1))
    assert card.feedback == "Solid start.\nAdd more detail."
    assert card.follow_up == "What would you change at 10x load?"
    assert card.prompt_tokens > 500 and card.completion_tokens > 0
    assert card.label == "LLM (fake-model)"
    assert len(fake.requests) == 1


async def test_the_request_is_structured_output_with_a_stable_prefix_and_a_fenced_answer(
    scorer: LlmScorer, fake: FakeLlm
) -> None:
    await score(scorer)
    await score(scorer, answer="A different answer about GraphQL.")

    first, second = fake.requests
    fmt = first["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    schema = fmt["json_schema"]["schema"]
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["items", "score", "feedback", "follow_up"]
    item_schema = schema["$defs"]["ItemJudgement"]
    assert item_schema["additionalProperties"] is False
    assert item_schema["properties"]["item_id"]["enum"] == [item.id for item in SECTION.items]
    assert schema["properties"]["items"]["maxItems"] == len(SECTION.items)
    assert first["temperature"] == 0 and first["model"] == "fake-model"
    # the system message (instructions, then the rubric) is identical: a cacheable prefix
    assert first["messages"][0] == second["messages"][0]
    assert first["messages"][0]["role"] == "system"
    assert first["messages"][0]["content"].index("Rules:") < first["messages"][0]["content"].index("s3-platforms")
    # the answer comes last, fenced with a token that differs per request
    user = first["messages"][-1]["content"]
    assert user.rstrip().endswith(">>>") and fakes.fenced_answer(first) == ANSWER
    assert user.index("Question asked") < user.index(ANSWER)
    assert first["messages"][-1]["content"].split("<<<ANSWER ")[1][:16] != \
        second["messages"][-1]["content"].split("<<<ANSWER ")[1][:16]
    # only a base URL was configured: a dummy key is sent (Ollama and llama.cpp ignore it)
    assert fake.headers[0]["authorization"] == f"Bearer {DUMMY_API_KEY}"


async def test_plain_json_in_a_code_fence_from_a_server_without_schema_support(
    scorer: LlmScorer, fake: FakeLlm
) -> None:
    content = fakes.judgement([{"item_id": "s3-platforms", "verdict": "Covered",
                                "quote": "Swift on iOS and Kotlin on Android"}], feedback="Good.")
    fake.queue(Reply(body=fakes.completion(f"Here is the grading:\n```json\n{content}\n```")))

    card = await score(scorer)

    assert card.scorer == "llm"
    assert {v.item_id: v.verdict for v in card.verdicts}["s3-platforms"] == "covered"


async def test_unknown_ids_are_ignored_and_unlisted_items_are_missing(scorer: LlmScorer, fake: FakeLlm) -> None:
    content = fakes.judgement([
        {"item_id": "s9-made-up", "verdict": "covered", "quote": "We ship native apps"},
        {"item_id": "s3-platforms", "verdict": "covered", "quote": "We ship native apps: Swift on iOS"},
        {"item_id": "s3-platforms", "verdict": "partial", "quote": "React web client"},
    ])
    fake.queue(Reply(body=fakes.completion(content)))

    card = await score(scorer)

    verdicts = {v.item_id: v.verdict for v in card.verdicts}
    assert set(verdicts) == {item.id for item in SECTION.items}
    assert verdicts["s3-platforms"] == "partial"  # a repeated id keeps its lowest verdict
    assert all(v == "missing" for k, v in verdicts.items() if k != "s3-platforms")


async def test_model_text_cannot_ping_a_whole_channel(scorer: LlmScorer, fake: FakeLlm) -> None:
    content = fakes.judgement(
        [{"item_id": "s3-platforms", "verdict": "covered", "quote": "Swift on iOS and Kotlin on Android"}],
        feedback="Nice @everyone <!channel> <@U123>\nline two\nline three\nline four",
        follow_up="Why? " * 200,
    )
    fake.queue(Reply(body=fakes.completion(content)))

    card = await score(scorer)

    assert "@everyone" not in card.feedback and "<!channel>" not in card.feedback and "<@U123>" not in card.feedback
    assert card.feedback.count("\n") == 2 and "line four" not in card.feedback
    assert len(card.follow_up) <= 300 and "\n" not in card.follow_up


# faults ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (fakes.malformed_json(), "reply was not valid JSON"),
        (fakes.truncated_json(), "reply cut off"),
        (fakes.refusal(), "the model refused"),
        (Reply(body=fakes.completion("I'm sorry, but I can't grade this answer.")), "the model refused"),
        (Reply(body=fakes.completion('{"items": "all", "score": 10}')), "reply was not valid JSON"),
        (Reply(body=fakes.completion("")), "empty reply"),
        (Reply(body=fakes.completion("{}", finish_reason="content_filter")), "content filter"),
        (fakes.context_overflow(), "answer too long for the model"),
        (Reply(401, fakes.error_body("Incorrect API key provided", code="invalid_api_key")), "LLM error (HTTP 401)"),
        (Reply(429, fakes.error_body("You exceeded your current quota", type_="insufficient_quota",
                                     code="insufficient_quota")), "quota exhausted"),
        (fakes.broken_body(), "unexpected error"),
    ],
    ids=["malformed", "truncated", "refusal", "plain-text-refusal", "wrong-shape", "empty", "content-filter",
         "context-overflow", "unauthorized", "quota", "broken-http-body"],
)
async def test_an_unusable_reply_falls_back_to_offline_labelled_and_logged(
    scorer: LlmScorer, fake: FakeLlm, sleeps: Sleeps, reply: Reply, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    fake.queue(reply)
    with caplog.at_level(logging.WARNING, logger="bot.scoring.llm"):
        card = await score(scorer)

    assert card.scorer == "offline"
    assert card.fallback_reason == reason
    assert card.label == f"offline, LLM unavailable: {reason}"
    assert len(card.verdicts) == len(SECTION.items) and card.feedback
    assert len(fake.requests) == 1 and sleeps.calls == []  # none of these is worth a retry
    assert "fell back to offline" in caplog.text or "failed unexpectedly" in caplog.text


async def test_tokens_spent_on_an_unusable_reply_are_still_counted(scorer: LlmScorer, fake: FakeLlm) -> None:
    fake.queue(fakes.truncated_json())

    card = await score(scorer)

    assert card.fallback_reason == "reply cut off"
    assert (card.prompt_tokens, card.completion_tokens) == (900, 1200)


async def test_a_slow_endpoint_times_out_and_falls_back(fake: FakeLlm) -> None:
    fake.queue(fakes.slow(5))
    scorer = scorer_for(fake, timeout_seconds=TIMEOUT)
    started = time.monotonic()
    try:
        card = await score(scorer)
    finally:
        await scorer.aclose()

    assert time.monotonic() - started < TIMEOUT + 1.5
    assert card.scorer == "offline" and card.fallback_reason == "timed out"
    assert len(fake.requests) == 1


async def test_a_server_trickling_bytes_cannot_outlast_the_deadline(fake: FakeLlm) -> None:
    fake.queue(fakes.trickle(3))  # a piece every 0.15 s: no single read times out
    scorer = scorer_for(fake, timeout_seconds=TIMEOUT)
    started = time.monotonic()
    try:
        card = await score(scorer)
    finally:
        await scorer.aclose()

    assert card.fallback_reason == "timed out"
    assert time.monotonic() - started < 1.5


async def test_429_waits_as_retry_after_says_then_succeeds(scorer: LlmScorer, fake: FakeLlm, sleeps: Sleeps) -> None:
    fake.queue(fakes.rate_limited("2"))

    card = await score(scorer)

    assert card.scorer == "llm"
    assert sleeps.calls == [2.0]
    assert len(fake.requests) == 2


async def test_429_with_retry_after_ms_is_honoured(scorer: LlmScorer, fake: FakeLlm, sleeps: Sleeps) -> None:
    fake.queue(Reply(429, fakes.error_body("slow down"), {"retry-after-ms": "250", "Retry-After": "1"}))

    card = await score(scorer)

    assert card.scorer == "llm" and sleeps.calls == [0.25]


async def test_429_asking_for_longer_than_the_cap_falls_back_at_once(
    scorer: LlmScorer, fake: FakeLlm, sleeps: Sleeps
) -> None:
    fake.queue(fakes.rate_limited("3600"))

    card = await score(scorer)

    assert card.fallback_reason == "rate limited"
    assert sleeps.calls == [] and len(fake.requests) == 1


async def test_5xx_is_retried_with_growing_capped_backoff(scorer: LlmScorer, fake: FakeLlm, sleeps: Sleeps) -> None:
    fake.queue(fakes.server_error(500), fakes.server_error(503))

    card = await score(scorer)

    assert card.scorer == "llm" and len(fake.requests) == 3
    first, second = sleeps.calls
    assert 0.005 <= first <= 0.01 and 0.01 <= second <= 0.02


async def test_5xx_gives_up_after_the_retry_budget(scorer: LlmScorer, fake: FakeLlm, sleeps: Sleeps) -> None:
    fake.queue(*[fakes.server_error(502) for _ in range(5)])

    card = await score(scorer)

    assert card.scorer == "offline" and card.fallback_reason == "server error"
    assert len(fake.requests) == 3 and len(sleeps.calls) == 2
    assert all(delay <= 0.05 for delay in sleeps.calls)


async def test_429_without_retry_after_backs_off(scorer: LlmScorer, fake: FakeLlm, sleeps: Sleeps) -> None:
    fake.queue(fakes.rate_limited(None))

    card = await score(scorer)

    assert card.scorer == "llm" and len(sleeps.calls) == 1 and 0.005 <= sleeps.calls[0] <= 0.01


async def test_an_unreachable_endpoint_falls_back_after_retries(sleeps: Sleeps) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    llm = scorer_for(f"http://127.0.0.1:{port}/v1", sleeps=sleeps)
    try:
        card = await score(llm)
    finally:
        await llm.aclose()

    assert card.scorer == "offline" and card.fallback_reason == "endpoint unreachable"
    assert len(sleeps.calls) == 2


async def test_empty_and_oversized_answers_never_reach_the_endpoint(scorer: LlmScorer, fake: FakeLlm) -> None:
    empty = await score(scorer, answer="   \n")
    huge = await score(scorer, answer="word " * (prompt.MAX_PROMPT_TOKENS * 2))

    assert empty.fallback_reason == "empty answer"
    assert huge.fallback_reason == "answer too long for the LLM" and huge.scorer == "offline"
    assert fake.requests == []


async def test_real_sleeps_are_bounded_by_the_policy(fake: FakeLlm) -> None:
    """With the real asyncio.sleep, a retried 500 costs about the configured backoff, no more."""
    llm = scorer_for(fake, sleep=asyncio.sleep)
    fake.queue(fakes.server_error())
    started = time.monotonic()
    try:
        card = await score(llm)
    finally:
        await llm.aclose()
    assert card.scorer == "llm" and time.monotonic() - started < 1.0


# concurrency ------------------------------------------------------------------------------------
async def test_a_hundred_interviews_ending_at_once_queue_behind_the_limit(fake: FakeLlm) -> None:
    limit = 4
    # a generous timeout: the gate holds requests, and a timed-out one would free its slot
    llm = scorer_for(fake, max_concurrency=limit, timeout_seconds=30)
    fake.gate = threading.Event()
    try:
        tasks = [asyncio.create_task(score(llm)) for _ in range(100)]
        assert await asyncio.to_thread(fake.wait_for_in_flight, limit)
        await asyncio.sleep(0.1)  # time for any request that slipped past the limit to arrive
        assert fake.in_flight == limit
        fake.gate.set()
        cards = await asyncio.gather(*tasks)
    finally:
        fake.gate.set()
        await llm.aclose()

    assert fake.max_in_flight == limit
    assert len(fake.requests) == 100
    assert all(card.scorer == "llm" for card in cards)


# settings and start-up -------------------------------------------------------------------------
def test_from_settings_uses_the_settings_and_a_dummy_key_for_local_servers() -> None:
    settings = make_settings(openai_base_url="http://127.0.0.1:11434/v1", openai_api_key=None,
                             openai_model="llama3.2", llm_timeout_seconds=12, llm_max_concurrency=3, llm_max_retries=1)
    llm = LlmScorer.from_settings(settings, fallback=OfflineScorer())

    assert (llm.model, llm.base_url, llm.timeout_seconds, llm.max_concurrency) == (
        "llama3.2", "http://127.0.0.1:11434/v1", 12, 3)
    assert llm.retry == RetryPolicy(max_retries=1)
    assert llm._api_key == DUMMY_API_KEY

    keyed = LlmScorer.from_settings(make_settings(openai_api_key="sk-test", openai_base_url=None),
                                    fallback=OfflineScorer())
    assert keyed._api_key == "sk-test" and keyed.base_url is None


def test_importing_the_llm_scorer_does_not_import_openai() -> None:
    code = ("import sys; from bot.config import Settings; from bot.scoring.llm import LlmScorer; "
            "from bot.scoring.offline import OfflineScorer; "
            "LlmScorer.from_settings(Settings(openai_base_url='http://127.0.0.1:9/v1', _env_file=None), "
            "fallback=OfflineScorer()); print(json.dumps('openai' in sys.modules))")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", "import json; " + code], cwd=root, capture_output=True,
                         text=True, check=True, timeout=60)
    assert json.loads(out.stdout) is False


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after-ms": "120"}, 0.12),
        ({"Retry-After": "Wed, 21 Oct 2026 07:28:30 GMT"}, 30.0),
        ({"Retry-After": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_forms(headers: dict[str, str], expected: float | None) -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 10, 21, 7, 28, 0, tzinfo=UTC)
    assert retry_after_seconds(headers, now=now) == (pytest.approx(expected) if expected is not None else None)
