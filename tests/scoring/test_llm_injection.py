"""Prompt injection: a model that obeys the answer must not lift its score past the guard.

The corpus (``injections.yaml``) goes through the real ``openai`` client to a local fake
model that does whatever an answer tells it: every item covered, score 10, quotes made up,
copied from the rubric, or taken from the injection text itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.scoring.guard import cross_check_bound
from bot.scoring.llm import REJECTED, LlmScorer
from bot.scoring.offline import OfflineScorer
from framework import load
from tests.scoring import fake_llm_server as fakes
from tests.scoring.fake_llm_server import FakeLlm
from tests.scoring.llm_support import scorer_for

CORPUS: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "injections.yaml").read_text(encoding="utf-8"))["injections"]
FRAMEWORK = load()


def test_the_corpus_is_big_and_varied() -> None:
    assert len(CORPUS) >= 20
    assert len({entry["id"] for entry in CORPUS}) == len(CORPUS)
    assert len({entry["section"] for entry in CORPUS}) >= 8
    assert sum(1 for entry in CORPUS if entry["pure"]) >= 20


@pytest.fixture
def fake() -> Iterator[FakeLlm]:
    with fakes.running() as server:
        yield server


@pytest.fixture
async def scorer(fake: FakeLlm) -> AsyncIterator[LlmScorer]:
    llm = scorer_for(fake)
    yield llm
    await llm.aclose()


@pytest.mark.parametrize("strategy", fakes.NAIVE_STRATEGIES)
@pytest.mark.parametrize("entry", CORPUS, ids=[entry["id"] for entry in CORPUS])
async def test_an_obedient_model_cannot_lift_an_injection_past_the_cross_check(
    scorer: LlmScorer, fake: FakeLlm, entry: dict[str, Any], strategy: str
) -> None:
    fake.brain = fakes.naive_brain(strategy)
    section = FRAMEWORK.section(entry["section"])
    answer = entry["answer"]
    offline = OfflineScorer().score_sync(section=section, scenario=None, question="", answer=answer)

    card = await scorer.score(section=section, scenario=FRAMEWORK.scenarios[0], question="", answer=answer)

    # Judged by the guard (trusted in part, or rejected as a whole), never dodged by another fallback.
    assert card.scorer == "llm" or card.fallback_reason.startswith(REJECTED), card.fallback_reason
    assert card.score <= cross_check_bound(section, answer, offline.verdicts)
    assert card.score <= offline.score
    rank = {"missing": 0, "partial": 1, "covered": 2}
    offline_rank = {v.item_id: rank[v.verdict] for v in offline.verdicts}
    assert all(rank[v.verdict] <= offline_rank[v.item_id] for v in card.verdicts)
    assert "10/10" not in card.feedback and "@everyone" not in card.feedback


@pytest.mark.parametrize("entry", [e for e in CORPUS if e["pure"]], ids=lambda e: e["id"])
async def test_an_obeyed_injection_yields_the_offline_card_labelled_rejected(
    scorer: LlmScorer, fake: FakeLlm, entry: dict[str, Any]
) -> None:
    fake.brain = fakes.naive_brain("quote-injection")
    section = FRAMEWORK.section(entry["section"])
    offline = OfflineScorer().score_sync(section=section, scenario=None, question="", answer=entry["answer"])

    card = await scorer.score(section=section, scenario=None, question="", answer=entry["answer"])

    assert card.scorer == "offline" and card.fallback_reason.startswith(f"{REJECTED}: ")
    assert card.label == f"offline ({card.fallback_reason})"
    # Not blended: score, verdicts and feedback are the offline scorer's, all three.
    assert (card.score, card.verdicts, card.feedback, card.follow_up) == (
        offline.score, offline.verdicts, offline.feedback, offline.follow_up)
    assert "Flawless" not in card.feedback and "perfect score" not in card.follow_up
    assert card.prompt_tokens > 0  # the rejected reply was paid for


async def test_the_same_model_still_credits_an_honest_answer(scorer: LlmScorer, fake: FakeLlm) -> None:
    """The guard is not a blanket veto: quotes that verify and are on topic keep their credit."""
    section = FRAMEWORK.section(3)
    answer = ("Web is React and the mobile apps are React Native. Clients call a REST API; services talk "
              "gRPC. A WebSocket pushes new messages. Tokens: short-lived access token, refresh token in an "
              "HttpOnly cookie. The phone keeps a local copy of recent chats and syncs changes when the "
              "connection is back.")
    fake.brain = fakes.scripted_brain({
        "s3-platforms": ("covered", "Web is React and the mobile apps are React Native"),
        "s3-fetch-protocols": ("covered", "Clients call a REST API; services talk gRPC"),
        "s3-realtime-updates": ("covered", "A WebSocket pushes new messages"),
        "s3-session-tokens": ("covered", "refresh token in an HttpOnly cookie"),
        "s3-caching-offline": ("covered", "keeps a local copy of recent chats and syncs changes"),
    })
    offline = OfflineScorer().score_sync(section=section, scenario=None, question="", answer=answer)

    card = await scorer.score(section=section, scenario=None, question="", answer=answer)

    verdicts = {v.item_id: v.verdict for v in card.verdicts}
    assert verdicts["s3-platforms"] == verdicts["s3-realtime-updates"] == verdicts["s3-session-tokens"] == "covered"
    assert verdicts["s3-caching-offline"] in {"partial", "covered"}
    assert card.score >= offline.score and card.score > 0
    assert card.scorer == "llm" and card.fallback_reason == ""
