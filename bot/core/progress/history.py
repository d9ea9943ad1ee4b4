"""A member's history as plain records, and their export as Markdown and JSON (pure functions).

``MemberHistory`` holds every answer the member wrote and did not withdraw: their interviews phase by
phase (with each phase's latest score card), the daily prompts they answered and their drills (each
answer's cards). ``export_json`` and ``export_markdown`` carry the same facts: questions, answers,
verdicts with their evidence, feedback and scores.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from statistics import fmean
from typing import Any, Literal

from framework import Framework

from bot.core.records import AnswerRecord, ScoreCard
from bot.core.refs import UserRef

PromptKind = Literal["prompt", "drill"]
EXPORT_VERSION = 1


@dataclass(frozen=True, slots=True)
class PhaseHistory:
    index: int
    section: int
    answers: tuple[AnswerRecord, ...]
    card: ScoreCard | None
    """The phase's latest score card (``None``: not scored)."""


@dataclass(frozen=True, slots=True)
class InterviewHistory:
    id: int
    scenario_id: str
    started_at: datetime
    status: str
    level: str
    minutes: int
    phases: tuple[PhaseHistory, ...]

    @property
    def score(self) -> float | None:
        """The mean of the scored phases (``None``: none scored)."""
        scores = [phase.card.score for phase in self.phases if phase.card is not None]
        return round(fmean(scores), 1) if scores else None


@dataclass(frozen=True, slots=True)
class PromptHistory:
    """A daily prompt the member answered, or one of their drills."""

    kind: PromptKind
    id: int
    section: int
    scenario_id: str
    question: str
    asked_at: datetime
    answers: tuple[AnswerRecord, ...]
    """The member's answers to it, oldest first."""
    cards: tuple[ScoreCard, ...]
    """Their score cards (a prompt's: one at the reveal; a drill's: one per answer)."""

    @property
    def score(self) -> float | None:
        return round(fmean(card.score for card in self.cards), 1) if self.cards else None


@dataclass(frozen=True, slots=True)
class MemberHistory:
    member: UserRef
    interviews: tuple[InterviewHistory, ...]
    """Oldest first."""
    prompts: tuple[PromptHistory, ...]
    """Prompts and drills, oldest first."""
    unlinked: tuple[AnswerRecord, ...] = ()
    """Answers whose prompt, interview or drill is gone (kept: they are still the member's)."""

    def answers(self) -> list[AnswerRecord]:
        """Every answer in the history, interviews first."""
        found = [a for interview in self.interviews for phase in interview.phases for a in phase.answers]
        return found + [a for prompt in self.prompts for a in prompt.answers] + list(self.unlinked)


# ------------------------------------------------------------------------------------- JSON
def _card_json(card: ScoreCard | None, framework: Framework) -> dict[str, Any] | None:
    if card is None:
        return None
    items = {item.id: item.covers for item in framework.section(card.section).items}
    return {
        "score": card.score,
        "scorer": card.label,
        "feedback": card.feedback,
        "verdicts": [{"item": v.item_id, "covers": items.get(v.item_id, ""), "verdict": v.verdict,
                      "evidence": v.evidence} for v in card.verdicts],
    }


def _answer_json(answer: AnswerRecord) -> dict[str, Any]:
    return {"text": answer.text, "at": answer.created_at.isoformat(), "day": answer.local_date.isoformat()}


def export_data(history: MemberHistory, framework: Framework) -> dict[str, Any]:
    """The export as plain data (what ``export_json`` writes)."""
    interviews = []
    for interview in history.interviews:
        scenario = framework.scenario(interview.scenario_id)
        interviews.append({
            "id": interview.id, "scenario": scenario.title, "started_at": interview.started_at.isoformat(),
            "status": interview.status, "level": interview.level, "minutes": interview.minutes,
            "score": interview.score,
            "phases": [{
                "section": phase.section, "title": framework.section(phase.section).title,
                "question": framework.section(phase.section).opening_question(scenario),
                "answers": [_answer_json(a) for a in phase.answers], "card": _card_json(phase.card, framework),
            } for phase in interview.phases],
        })
    prompts = [{
        "kind": prompt.kind, "id": prompt.id, "section": prompt.section,
        "title": framework.section(prompt.section).title, "scenario": framework.scenario(prompt.scenario_id).title,
        "question": prompt.question, "asked_at": prompt.asked_at.isoformat(), "score": prompt.score,
        "answers": [_answer_json(a) for a in prompt.answers],
        "cards": [_card_json(card, framework) for card in prompt.cards],
    } for prompt in history.prompts]
    return {
        "version": EXPORT_VERSION,
        "member": {"platform": history.member.platform, "id": history.member.user_id,
                   "name": history.member.display_name},
        "interviews": interviews,
        "prompts": [p for p in prompts if p["kind"] == "prompt"],
        "drills": [p for p in prompts if p["kind"] == "drill"],
        "other_answers": [_answer_json(a) for a in history.unlinked],
    }


def export_json(history: MemberHistory, framework: Framework) -> str:
    return json.dumps(export_data(history, framework), indent=2, ensure_ascii=False) + "\n"


# ------------------------------------------------------------------------------------- Markdown
_MARK = {"covered": "[x]", "partial": "[~]", "missing": "[ ]"}


def _quoted(text: str) -> list[str]:
    return [f"> {line}" if line.strip() else ">" for line in text.splitlines() or [""]]


def _card_lines(card: ScoreCard | None, framework: Framework) -> list[str]:
    if card is None:
        return ["*Not scored.*", ""]
    items = {item.id: item.covers for item in framework.section(card.section).items}
    lines = [f"**Score: {card.score:.1f}/10** ({card.label})", ""]
    for verdict in card.verdicts:
        evidence = f" — \"{verdict.evidence}\"" if verdict.evidence else ""
        lines.append(f"- {_MARK[verdict.verdict]} {items.get(verdict.item_id, verdict.item_id)}{evidence}")
    if card.feedback.strip():
        lines += ["", f"Feedback: {card.feedback.strip()}"]
    return [*lines, ""]


def export_markdown(history: MemberHistory, framework: Framework) -> str:
    name = history.member.display_name or history.member.user_id
    lines = [f"# Practice transcript: {name}", ""]
    lines += [f"{len(history.interviews)} interviews, "
              f"{sum(p.kind == 'prompt' for p in history.prompts)} daily prompts, "
              f"{sum(p.kind == 'drill' for p in history.prompts)} drills.", ""]
    for interview in history.interviews:
        scenario = framework.scenario(interview.scenario_id)
        overall = f", {interview.score:.1f}/10" if interview.score is not None else ""
        lines += [f"## Interview: {scenario.title} ({interview.started_at:%Y-%m-%d %H:%M} UTC)", "",
                  f"{interview.minutes} min, {interview.level} level, {interview.status}{overall}.", ""]
        for phase in interview.phases:
            section = framework.section(phase.section)
            lines += [f"### {section.number}. {section.title}", "", f"*{section.opening_question(scenario)}*", ""]
            for answer in phase.answers:
                lines += [*_quoted(answer.text), ""]
            if not phase.answers:
                lines += ["*No answer.*", ""]
            lines += _card_lines(phase.card, framework)
    for prompt in history.prompts:
        section = framework.section(prompt.section)
        what = "Drill" if prompt.kind == "drill" else "Daily prompt"
        lines += [f"## {what}: {section.number}. {section.title} ({prompt.asked_at:%Y-%m-%d})", "",
                  f"*{framework.scenario(prompt.scenario_id).title}: {prompt.question}*", ""]
        for answer in prompt.answers:
            lines += [*_quoted(answer.text), ""]
        for card in prompt.cards or (None,):
            lines += _card_lines(card, framework)
    if history.unlinked:
        lines += ["## Other answers", "", "*Their question is no longer stored.*", ""]
        for answer in history.unlinked:
            lines += [f"{answer.created_at:%Y-%m-%d %H:%M} UTC:", *_quoted(answer.text), ""]
    return "\n".join(lines).rstrip() + "\n"
