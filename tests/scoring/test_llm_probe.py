"""Follow-up questions phrased by the LLM (structured output: the question and the item it targets),
over loopback against the local fake server; every fault falls back to the item's own probe."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator, Iterator

import pytest

from bot.core.records import FollowUp
from bot.core.service import PracticeService
from bot.scheduling.clock import FakeClock
from bot.scoring.llm import LlmScorer
from bot.scoring.offline import OfflineScorer
from bot.storage.database import create_engine, migrate
from bot.storage.repository import SqlStore
from framework import load
from tests.fakes import RecordingChat
from tests.scoring import fake_llm_server as fakes
from tests.scoring.fake_llm_server import FakeLlm
from tests.scoring.llm_support import scorer_for
from tests.service.conftest import ALICE, START, ctx
from tests.service.test_interview_flow import said

SECTION = load().section(1)
SCENARIO = load().scenario("url-shortener")
ITEM = load().item("s1-performance-scale-targets")
ANSWER = "We keep it simple: the team knows Postgres."
PHRASED = "You said {words}. What latency and throughput must it hit?"


@pytest.fixture
def fake() -> Iterator[FakeLlm]:
    with fakes.running(fakes.interviewer_brain(PHRASED)) as server:
        yield server


@pytest.fixture
async def llm(fake: FakeLlm) -> AsyncIterator[LlmScorer]:
    scorer = scorer_for(fake)
    yield scorer
    await scorer.aclose()


async def ask(llm: LlmScorer, answer: str = ANSWER, level: str = "senior") -> FollowUp | None:
    return await llm.follow_up(section=SECTION, scenario=SCENARIO, question="What is in scope?", answer=answer,
                               item=ITEM, level=level)  # type: ignore[arg-type]


async def test_the_follow_up_builds_on_the_answer_and_names_its_item(llm: LlmScorer, fake: FakeLlm) -> None:
    follow_up = await ask(llm)
    assert follow_up == FollowUp("You said We keep it simple:. What latency and throughput must it hit?", ITEM.id)
    (request,) = fake.requests
    schema = request["response_format"]["json_schema"]
    assert schema["name"] == "follow_up" and schema["strict"] is True
    assert schema["schema"]["properties"]["item_id"]["enum"] == [ITEM.id]
    assert schema["schema"]["additionalProperties"] is False
    assert fakes.fenced_answer(request).strip() == ANSWER, "the answer is fenced as the candidate's text"
    assert ITEM.covers in request["messages"][0]["content"]


async def test_staff_level_asks_for_trade_offs_failure_modes_and_evolution(llm: LlmScorer, fake: FakeLlm) -> None:
    await ask(llm, level="staff")
    assert "failure modes" in fake.requests[-1]["messages"][0]["content"]


@pytest.mark.parametrize(
    "reply",
    [
        fakes.server_error(400),
        fakes.malformed_json(),
        fakes.refusal(),
        fakes.truncated_json(),
        fakes.Reply(body=fakes.completion(json.dumps({"question": "Who owns the data?", "item_id": "s6-ownership"}))),
        fakes.Reply(body=fakes.completion(json.dumps({"item_id": ITEM.id}))),
    ],
    ids=["http-400", "malformed", "refusal", "truncated", "another-item", "no-question"],
)
async def test_a_fault_or_a_stray_reply_gives_none(llm: LlmScorer, fake: FakeLlm, reply: fakes.Reply) -> None:
    fake.queue(reply)
    assert await ask(llm) is None


async def test_an_empty_answer_makes_no_call(llm: LlmScorer, fake: FakeLlm) -> None:
    assert await ask(llm, answer="  ") is None
    assert fake.requests == []


async def _service(url: str, clock: FakeClock, llm: LlmScorer) -> tuple[PracticeService, RecordingChat, SqlStore]:
    await migrate(url)
    store = SqlStore(create_engine(url))
    service = PracticeService(store=store, framework=load(), scorer=OfflineScorer(), clock=clock,
                              rng=random.Random(1), prober=llm, coverage=OfflineScorer())
    chat = RecordingChat()
    service.attach(chat)
    return service, chat, store


@pytest.mark.parametrize(("stray", "expected"), [(False, "You said We keep it simple:."), (True, ITEM.probe)])
async def test_the_interviewer_asks_the_llm_question_or_else_the_item_probe(
    database_url: str, fake: FakeLlm, llm: LlmScorer, stray: bool, expected: str
) -> None:
    if stray:
        fake.brain = fakes.interviewer_brain(PHRASED, item_id="s1-other-considerations")
    clock = FakeClock(START)
    service, chat, store = await _service(database_url, clock, llm)
    try:
        await service.handle_command(ctx(), "interview url-shortener 45")
        thread = chat.threads[-1]
        await service.handle_message(said(service, ALICE, thread, "next", 1, clock.now()))
        await service.handle_message(said(service, ALICE, thread, ANSWER, 2, clock.now()))
        clock.advance(seconds=20)
        await service.tick()
        await service.dispatcher.drain()
        (asked,) = [t for t in chat.in_thread(thread) if t.startswith("*Follow-up*")]
        assert expected in asked
    finally:
        await store.close()
