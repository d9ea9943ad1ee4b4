"""``practice-bot llm check``, the once-per-process "keeps timing out" warning, and its line in ``stats``.

All against the local OpenAI-compatible fake server, through the real ``openai`` client.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.config import Settings
from bot.core.records import UsageTotals
from bot.scoring.check import add_check_arguments, run_check
from bot.scoring.llm import KEEPS_TIMING_OUT, TIMEOUTS_BEFORE_NOTICE
from bot.scoring.stats import format_stats
from framework import load
from tests.scoring import fake_llm_server as fakes
from tests.scoring.fake_llm_server import FakeLlm, Reply
from tests.scoring.llm_support import TIMEOUT, make_settings, scorer_for


def honest(body: dict[str, Any]) -> str:
    """A model that honours the schema: every item once, quotes from the answer."""
    answer = fakes.fenced_answer(body)
    first = answer.split(".")[0]
    items = [{"item_id": item_id, "verdict": "covered" if n == 0 else "missing", "quote": first if n == 0 else ""}
             for n, (item_id, _) in enumerate(fakes.rubric_items(body))]
    return fakes.judgement(items, score=4)


@pytest.fixture
def fake() -> Iterator[FakeLlm]:
    with fakes.running(honest) as server:
        yield server


def settings(base_url: str, **values: Any) -> Settings:
    options: dict[str, Any] = {"openai_base_url": base_url, "openai_api_key": None, "openai_model": "fake-model",
                               "llm_timeout_seconds": 30}
    options.update(values)
    return make_settings(**options)


def check(config: Settings, *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    add_check_arguments(parser)
    out, err = io.StringIO(), io.StringIO()
    code = run_check(parser.parse_args(list(argv)), config, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_a_healthy_endpoint_is_reported_with_time_tokens_and_advice(fake: FakeLlm) -> None:
    code, out, _ = check(settings(fake.base_url))

    assert code == 0
    assert len(fake.requests) == 1  # one call, no retries
    request = fake.requests[0]
    assert request["response_format"]["type"] == "json_schema" and request["model"] == "fake-model"
    assert "reachable                    yes" in out
    assert "structured output honoured   yes" in out
    assert "time for a typical section" in out and " prompt + " in out and " completion" in out
    assert "LLM_TIMEOUT_SECONDS=30 is enough" in out
    assert "LLM_MAX_CONCURRENCY=4" in out


def test_a_reply_in_a_code_fence_does_not_honour_the_schema(fake: FakeLlm) -> None:
    fake.brain = lambda body: "```json\n" + honest(body) + "\n```"

    code, out, _ = check(settings(fake.base_url))

    assert code == 1
    assert "structured output honoured   no" in out and "not plain JSON" in out
    assert "json_schema" in out  # the advice names what to look for


def test_a_reply_missing_items_or_with_a_wild_score_does_not_honour_the_schema(fake: FakeLlm) -> None:
    fake.brain = lambda body: json.dumps({"items": [], "score": -1e15, "feedback": "", "follow_up": ""})

    code, out, _ = check(settings(fake.base_url))

    assert code == 1 and "structured output honoured   no" in out and "outside the schema's 0-10" in out


def test_a_slow_endpoint_gets_timeout_advice(fake: FakeLlm) -> None:
    fake.queue(Reply(hang_seconds=0.4, body=fakes.completion(honest({"messages": fake_messages()}))))

    code, out, _ = check(settings(fake.base_url, llm_timeout_seconds=0.3), "--wait", "5")

    assert code == 1
    assert "LLM_TIMEOUT_SECONDS=0.3 is shorter than this call" in out and "Set LLM_TIMEOUT_SECONDS=10" in out


def test_no_reply_within_the_wait_says_so(fake: FakeLlm) -> None:
    fake.queue(fakes.slow(5))

    code, out, _ = check(settings(fake.base_url), "--wait", str(TIMEOUT))

    assert code == 1
    assert "(no reply)" in out and "raise LLM_TIMEOUT_SECONDS to 120-300" in out


def test_an_unreachable_endpoint_is_reported() -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    code, out, _ = check(settings(f"http://127.0.0.1:{port}/v1"), "--wait", "3")

    assert code == 1 and "reachable                    no" in out and "OPENAI_BASE_URL" in out


def test_without_an_llm_there_is_nothing_to_check(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")

    assert main(["llm", "check"]) == 2
    assert "no LLM configured" in capsys.readouterr().err


def test_the_command_is_wired_into_practice_bot(fake: FakeLlm, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
    monkeypatch.setenv("OPENAI_MODEL", "fake-model")

    assert main(["llm", "check", "--wait", "5"]) == 0
    assert "LLM check: " + fake.base_url in capsys.readouterr().out


def fake_messages() -> list[dict[str, str]]:
    from bot.scoring import prompt

    section = load().section(3)
    return prompt.messages(section=section, scenario=None, question="", answer="Web is React.", boundary="0" * 16)


# keeps timing out -------------------------------------------------------------------------------------------
async def test_timeouts_in_a_row_are_announced_once_per_process(
    fake: FakeLlm, caplog: pytest.LogCaptureFixture
) -> None:
    scorer = scorer_for(fake, timeout_seconds=TIMEOUT)
    section = load().section(3)
    fake.queue(*[fakes.slow(2) for _ in range(TIMEOUTS_BEFORE_NOTICE + 2)])
    caplog.set_level(logging.WARNING, logger="bot.scoring.llm")
    notice = KEEPS_TIMING_OUT.split("(")[0]
    try:
        for _ in range(TIMEOUTS_BEFORE_NOTICE - 1):
            card = await scorer.score(section=section, scenario=None, question="", answer="Web is React.")
            assert card.fallback_reason == "timed out"
        assert not [r for r in caplog.records if r.getMessage().startswith(notice)]
        for _ in range(3):
            await scorer.score(section=section, scenario=None, question="", answer="Web is React.")
    finally:
        await scorer.aclose()

    said = [r for r in caplog.records if r.getMessage().startswith(notice)]
    assert len(said) == 1 and said[0].levelno == logging.WARNING
    assert f"{TIMEOUTS_BEFORE_NOTICE} in a row" in said[0].getMessage()
    assert "practice-bot llm check" in said[0].getMessage()


async def test_a_good_reply_resets_the_count(fake: FakeLlm, caplog: pytest.LogCaptureFixture) -> None:
    scorer = scorer_for(fake, timeout_seconds=TIMEOUT)
    section = load().section(3)
    fake.queue(fakes.slow(2), fakes.slow(2))
    try:
        await scorer.score(section=section, scenario=None, question="", answer="Web is React.")
        await scorer.score(section=section, scenario=None, question="", answer="Web is React.")
        assert scorer.timeouts_in_a_row == 2
        await scorer.score(section=section, scenario=None, question="", answer="Web is React.")  # answered
        assert scorer.timeouts_in_a_row == 0 and not scorer.timeouts_noticed
    finally:
        await scorer.aclose()


REJECTED_REASON = "LLM reply rejected: 3 of 4 quotes not in the answer"


def test_stats_say_when_llm_calls_keep_timing_out() -> None:
    text = format_stats(UsageTotals(scored_sections=10, llm_sections=4, prompt_tokens=4000, completion_tokens=400,
                                    per_section={3: (4, 4000, 400)},
                                    fallbacks={"timed out": 5, REJECTED_REASON: 1}))

    assert "fell back offline   6 of 10 LLM attempts:" in text
    assert "     5  timed out" in text and f"     1  {REJECTED_REASON}" in text
    assert "LLM calls keep timing out (5 of 10)" in text and "practice-bot llm check" in text


def test_stats_stay_quiet_about_a_rare_timeout() -> None:
    text = format_stats(UsageTotals(scored_sections=20, llm_sections=19, prompt_tokens=19000, completion_tokens=1900,
                                    per_section={3: (19, 19000, 1900)}, fallbacks={"timed out": 1}))

    assert "     1  timed out" in text and "keep timing out" not in text


def test_a_reply_cut_off_at_the_token_limit_is_named(fake: FakeLlm) -> None:
    fake.queue(Reply(body=fakes.completion('{"items": [{"item_id": "s3-platforms", "verdict": "cov',
                                           finish_reason="length", completion_tokens=1200)))

    code, out, _ = check(settings(fake.base_url))

    assert code == 1 and "structured output honoured   no" in out
    assert "cut off (finish_reason=length)" in out and "completion-token limit" in out
    assert "1,200 completion" in out


async def test_an_admin_hears_it_once_in_chat_and_others_never(fake: FakeLlm, tmp_path: Path) -> None:
    from bot.core.messages import CommandContext
    from bot.core.refs import ChannelRef, UserRef
    from bot.core.service import PracticeService
    from bot.scheduling.clock import FakeClock
    from bot.storage.database import create_engine, migrate
    from bot.storage.repository import SqlStore

    scorer = scorer_for(fake, timeout_seconds=TIMEOUT)
    url = f"sqlite:///{tmp_path / 'notice.db'}"
    await migrate(url)
    store = SqlStore(create_engine(url))
    service = PracticeService(store=store, framework=load(), scorer=scorer, clock=FakeClock())
    channel = ChannelRef("console", "C1", "W1")
    admin = CommandContext(channel, UserRef("console", "ada", "W1", "Ada"), can_manage=True)
    member = CommandContext(channel, UserRef("console", "bob", "W1", "Bob"))
    fake.queue(*[fakes.slow(2) for _ in range(TIMEOUTS_BEFORE_NOTICE)])
    try:
        assert [m.text for m in (await service.handle_command(admin, "sections")).messages if "admins" in m.text] == []
        for _ in range(TIMEOUTS_BEFORE_NOTICE):
            await scorer.score(section=load().section(3), scenario=None, question="", answer="Web is React.")
        told_member = (await service.handle_command(member, "sections")).messages
        assert not any(m.text.startswith("Note for admins") for m in told_member), "members are not told"
        [notice] = [m for m in (await service.handle_command(admin, "sections")).messages
                    if m.text.startswith("Note for admins")]
        assert notice.ephemeral and "keep timing out" in notice.text and "practice-bot llm check" in notice.text
        again = (await service.handle_command(admin, "sections")).messages
        assert not any(m.text.startswith("Note for admins") for m in again), "said once"
    finally:
        await scorer.aclose()
        await store.close()
