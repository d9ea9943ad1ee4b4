"""``practice-bot score`` (bot.scoring.cli) and ``practice-bot stats`` (bot.scoring.stats)."""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Iterator

import pytest

from bot.config import Settings
from bot.core.records import UsageTotals
from bot.scoring.cli import add_score_arguments, run_score
from bot.scoring.stats import format_stats
from tests.scoring import fake_llm_server as fakes
from tests.scoring.fake_llm_server import FakeLlm
from tests.scoring.llm_support import make_settings

ANSWER = "Web is React and the mobile apps are React Native. A WebSocket pushes new messages to clients.\n"
BRAIN = fakes.scripted_brain({
    "s3-platforms": ("covered", "Web is React and the mobile apps are React Native"),
    "s3-realtime-updates": ("covered", "A WebSocket pushes new messages to clients"),
})


class _Pipe(io.StringIO):
    def isatty(self) -> bool:
        return False


@pytest.fixture
def fake() -> Iterator[FakeLlm]:
    with fakes.running(BRAIN) as server:
        yield server


def settings(base_url: str | None = None) -> Settings:
    return make_settings(openai_base_url=base_url, openai_api_key=None, openai_model="fake-model",
                         llm_timeout_seconds=2)


def run(argv: list[str], config: Settings, answer: str = ANSWER) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_score(argv, config, stdin=_Pipe(answer), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_llm_scorecard_as_json(fake: FakeLlm) -> None:
    code, out, _ = run(["--section", "3", "--scenario", "chat-app", "--format", "json"], settings(fake.base_url))

    card = json.loads(out)
    assert code == 0
    assert card["scorer"] == "llm" and card["label"] == "LLM (fake-model)" and card["fallback_reason"] == ""
    assert card["scenario"] == "chat-app" and card["section_title"] == "Frontend"
    verdicts = {v["item_id"]: v for v in card["verdicts"]}
    assert verdicts["s3-platforms"]["verdict"] == "covered"
    assert verdicts["s3-platforms"]["evidence"] == "Web is React and the mobile apps are React Native"
    assert verdicts["s3-platforms"]["covers"].startswith("Picks client platforms")
    assert card["score"] > 0 and card["prompt_tokens"] > 0 and card["completion_tokens"] > 0
    assert "Scenario: Chat application." in fake.requests[0]["messages"][-1]["content"]


def test_offline_flag_never_calls_the_llm(fake: FakeLlm) -> None:
    code, out, _ = run(["--section", "3", "--offline"], settings(fake.base_url))

    assert code == 0 and fake.requests == []
    assert "scored by offline" in out and "Tokens: none" in out
    assert "[x] covered s3-platforms" in out or "[~] partial s3-platforms" in out


def test_text_card_shows_verdicts_evidence_feedback_and_tokens(fake: FakeLlm) -> None:
    code, out, _ = run(["--section", "3"], settings(fake.base_url))

    assert code == 0
    assert out.startswith("Section 3: Frontend\nScore: ")
    assert "scored by LLM (fake-model)" in out
    assert '[x] covered s3-platforms - Picks client platforms' in out
    assert '      "Web is React and the mobile apps are React Native"' in out
    assert "[ ] missing s3-ownership" in out
    assert "Feedback:\n  Solid start." in out and "Follow-up: What would you change at 10x load?" in out
    assert "prompt + " in out.splitlines()[-1]


def test_a_fallback_is_labelled_with_its_reason(fake: FakeLlm) -> None:
    fake.queue(fakes.refusal())

    code, out, _ = run(["--section", "3"], settings(fake.base_url))

    assert code == 0 and "scored by offline, LLM unavailable: the model refused" in out


def test_without_an_llm_it_says_so_and_scores_offline() -> None:
    code, out, err = run(["--section", "3", "--format", "json"], settings())

    assert code == 0 and json.loads(out)["scorer"] == "offline"
    assert "no LLM configured" in err


@pytest.mark.parametrize(
    ("argv", "answer", "message"),
    [
        (["--section", "12"], ANSWER, "no section '12'; sections are 0-9"),
        (["--section", "x"], ANSWER, "no section 'x'"),
        (["--section", "3", "--scenario", "nope"], ANSWER, "unknown scenario 'nope'; known: url-shortener"),
        (["--section", "3", "--offline"], "  \n", "no answer on stdin"),
    ],
)
def test_bad_input_exits_2_with_a_message(argv: list[str], answer: str, message: str) -> None:
    code, out, err = run(argv, settings(), answer)

    assert code == 2 and out == "" and message in err


def test_arguments_plug_into_a_parent_parser(fake: FakeLlm) -> None:
    parser = argparse.ArgumentParser(prog="practice-bot")
    add_score_arguments(parser.add_subparsers(dest="command").add_parser("score"))
    args = parser.parse_args(["score", "--section", "3", "--offline", "--format", "json"])
    out = io.StringIO()

    assert run_score(args, settings(fake.base_url), stdin=_Pipe(ANSWER), stdout=out, stderr=io.StringIO()) == 0
    assert json.loads(out.getvalue())["scorer"] == "offline"


# stats -------------------------------------------------------------------------------------------
def test_stats_show_totals_per_section_and_per_interview() -> None:
    totals = UsageTotals(
        scored_sections=30, llm_sections=25, prompt_tokens=40_000, completion_tokens=5_000,
        per_section={3: (10, 14_000, 2_000), 5: (15, 26_000, 3_000)},
    )

    text = format_stats(totals, section_titles={3: "Frontend", 5: "Backend Core Services"})

    assert "sections scored     30 (LLM 25, offline 5)" in text
    assert "prompt tokens       40,000 (avg 1,600 per LLM section)" in text
    assert "completion tokens   5,000 (avg 200 per LLM section)" in text
    assert "total tokens        45,000" in text
    # per interview: 14,000/10 + 26,000/15 = 1,400 + 1,733
    assert "per interview       ~3,133 prompt + 400 completion tokens (sum of per-section averages over 2 sections)" \
        in text
    rows = [line for line in text.splitlines() if line.startswith("  3 ") or line.startswith("  5 ")]
    assert rows[0].split()[-4:] == ["10", "14,000", "2,000", "1,400"]
    assert rows[1].split()[-4:] == ["15", "26,000", "3,000", "1,733"]


def test_stats_without_llm_use_say_how_to_turn_it_on() -> None:
    text = format_stats(UsageTotals(scored_sections=4))

    assert "sections scored     4 (LLM 0, offline 4)" in text
    assert "OPENAI_BASE_URL" in text and "prompt tokens" not in text


def test_stats_use_the_framework_titles_by_default() -> None:
    text = format_stats(UsageTotals(scored_sections=1, llm_sections=1, prompt_tokens=900, completion_tokens=100,
                                    per_section={0: (1, 900, 100)}))

    assert "0 Real-World Framing" in text
