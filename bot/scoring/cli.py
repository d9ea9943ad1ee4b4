"""``practice-bot score``: score one answer from stdin and print its scorecard.

    echo "We'd use React Native ..." | practice-bot score --section 3 --scenario chat-app
    practice-bot score --section 3 --offline --format json < answer.txt

Uses the LLM when one is configured (``OPENAI_BASE_URL`` / ``OPENAI_API_KEY``) unless
``--offline``; either way the card says which scorer produced it, and why it fell back.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from bot.config import Settings
from bot.core.ports import Scorer
from bot.core.records import ScoreCard
from framework import Framework, Scenario, Section, load


def add_score_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--section", required=True, metavar="N", help="framework section number (0-9)")
    parser.add_argument("--scenario", default=None, metavar="ID", help="scenario id (see `practice-bot framework "
                        "export`); gives the scorer the scenario's context and twist")
    parser.add_argument("--question", default=None, help="the question answered (default: the section's openings)")
    parser.add_argument("--offline", action="store_true", help="use the offline checklist scorer even if an LLM "
                        "is configured")
    parser.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")


def _parse(args: argparse.Namespace | Sequence[str]) -> argparse.Namespace:
    if isinstance(args, argparse.Namespace):
        return args
    parser = argparse.ArgumentParser(prog="practice-bot score", description="Score one answer read from stdin.")
    add_score_arguments(parser)
    return parser.parse_args(list(args))


def _section(framework: Framework, raw: object) -> Section | None:
    text = str(raw).strip()
    if text.isascii() and text.isdigit() and int(text) < len(framework.sections):
        return framework.section(int(text))
    return None


def _question(section: Section, scenario: Scenario | None) -> str:
    title = scenario.title if scenario else "the system"
    return " ".join(opening.replace("{scenario}", title) for opening in section.openings)


def card_to_dict(card: ScoreCard, section: Section, scenario: Scenario | None) -> dict[str, Any]:
    covers = {item.id: item.covers for item in section.items}
    return {
        "section": card.section,
        "section_title": section.title,
        "scenario": scenario.id if scenario else None,
        "scorer": card.scorer,
        "label": card.label,
        "model": card.model,
        "fallback_reason": card.fallback_reason,
        "score": card.score,
        "verdicts": [{"item_id": v.item_id, "covers": covers.get(v.item_id, ""), "verdict": v.verdict,
                      "evidence": v.evidence} for v in card.verdicts],
        "feedback": card.feedback,
        "follow_up": card.follow_up,
        "prompt_tokens": card.prompt_tokens,
        "completion_tokens": card.completion_tokens,
    }


_MARK = {"covered": "[x]", "partial": "[~]", "missing": "[ ]"}
_SHORT_COVERS = 70


def _short(covers: str) -> str:
    head = covers.split(":", 1)[0].strip().rstrip(".")
    return head if len(head) <= _SHORT_COVERS else head[: _SHORT_COVERS - 1].rstrip() + "…"


def format_card(card: ScoreCard, section: Section, scenario: Scenario | None) -> str:
    weights = {item.id: item for item in section.items}
    head = f"Section {section.number}: {section.title}"
    if scenario is not None:
        head += f" ({scenario.title})"
    lines = [head, f"Score: {card.score:.1f}/10, scored by {card.label}", ""]
    for verdict in card.verdicts:
        item = weights.get(verdict.item_id)
        about = f" - {_short(item.covers)}" if item else ""
        lines.append(f"{_MARK[verdict.verdict]} {verdict.verdict:<7} {verdict.item_id}{about}")
        if verdict.evidence:
            lines.append(f'      "{verdict.evidence}"')
    lines += ["", "Feedback:"]
    lines += [f"  {line}" for line in card.feedback.splitlines() or ["(none)"]]
    if card.follow_up:
        lines += ["", f"Follow-up: {card.follow_up}"]
    tokens = (f"{card.prompt_tokens:,} prompt + {card.completion_tokens:,} completion"
              if card.prompt_tokens or card.completion_tokens else "none")
    lines += ["", f"Tokens: {tokens}"]
    return "\n".join(lines)


async def _score(settings: Settings, *, offline_only: bool, section: Section, scenario: Scenario | None,
                 question: str, answer: str) -> ScoreCard:
    from bot.scoring.offline import OfflineScorer

    offline = OfflineScorer()
    if offline_only or not settings.llm_configured:
        return await offline.score(section=section, scenario=scenario, question=question, answer=answer)
    from bot.scoring.llm import LlmScorer

    llm = LlmScorer.from_settings(settings, fallback=offline)
    scorer: Scorer = llm
    try:
        return await scorer.score(section=section, scenario=scenario, question=question, answer=answer)
    finally:
        await llm.aclose()


def run_score(args: argparse.Namespace | Sequence[str], settings: Settings, *, stdin: TextIO | None = None,
              stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """The ``score`` command: 0 when a card was printed, 2 for bad input."""
    options = _parse(args)
    stdin, stdout, stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    framework = load()
    section = _section(framework, options.section)
    if section is None:
        print(f"practice-bot: no section {options.section!r}; sections are 0-{len(framework.sections) - 1}",
              file=stderr)
        return 2
    scenario: Scenario | None = None
    if options.scenario:
        try:
            scenario = framework.scenario(options.scenario)
        except KeyError:
            known = ", ".join(s.id for s in framework.scenarios)
            print(f"practice-bot: unknown scenario {options.scenario!r}; known: {known}", file=stderr)
            return 2
    if stdin.isatty():
        print("Type or paste the answer, then press Ctrl-D.", file=stderr)
    answer = stdin.read()
    if not answer.strip():
        print("practice-bot: no answer on stdin (pipe one in, e.g. `practice-bot score --section 3 < answer.txt`)",
              file=stderr)
        return 2
    if not options.offline and not settings.llm_configured:
        print("practice-bot: no LLM configured (set OPENAI_BASE_URL or OPENAI_API_KEY); using the offline scorer",
              file=stderr)
    card = asyncio.run(_score(settings, offline_only=options.offline, section=section, scenario=scenario,
                              question=options.question or _question(section, scenario), answer=answer))
    if options.format == "json":
        print(json.dumps(card_to_dict(card, section, scenario), indent=2, ensure_ascii=False), file=stdout)
    else:
        print(format_card(card, section, scenario), file=stdout)
    return 0
