"""What drills say: the personal prompt, where it is, and its score."""

from __future__ import annotations

from framework import Scenario, Section

from bot.core.messages import OutMessage
from bot.core.records import ScoreCard
from bot.core.texts import message

VERDICT_MARK = {"covered": "[x]", "partial": "[~]", "missing": "[ ]"}


def drill_thread_name(section: Section) -> str:
    return f"Drill: {section.number}. {section.title}"


def why(mean: float | None, answers: int, days: int) -> str:
    if mean is None:
        return "you have no scored answer in it yet"
    plural = "answer" if answers == 1 else "answers"
    return f"your lowest mean score over the last {days} days ({mean:.1f}/10 over {answers} {plural})"


def drill_question(section: Section, scenario: Scenario, question: str, reason: str) -> OutMessage:
    lines = [
        f"*Design challenge: {scenario.title}.* {scenario.brief}",
        f"*{section.number}. {section.title}*: {question}",
        f"_Why this section: {reason}._",
        "_Answer in this thread: each answer is scored at once and counts toward your streak._",
    ]
    return message(drill_thread_name(section), lines)


def drill_parent(mention: str, section: Section) -> str:
    """Where the drill's thread opens in a channel (a platform with no threads on direct messages)."""
    return f"{mention} is practising a drill on *{section.number}. {section.title}*, in a private thread."


def drill_ready_in_direct_messages() -> OutMessage:
    return message("", ["Your drill is in your direct messages with me: answer in its thread, and it is scored "
                        "at once."], ephemeral=True)


def _short(text: str, limit: int) -> str:
    """The start of a long checklist text or quote: whole words, up to ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 1)
    return text[: cut if cut > limit // 2 else limit - 1].rstrip(",;:") + "…"


def drill_scored(section: Section, card: ScoreCard) -> OutMessage:
    items = {item.id: item for item in section.items}
    lines = [f"*{card.score:.1f}/10* on {section.number}. {section.title} ({card.label})"]
    for verdict in card.verdicts:
        item = items.get(verdict.item_id)
        if item is None:
            continue
        quote = f": \"{_short(verdict.evidence, 140)}\"" if verdict.evidence.strip() else ""
        lines.append(f"{VERDICT_MARK[verdict.verdict]} {_short(item.covers, 110)}{quote}")
    if card.feedback.strip():
        lines += ["", card.feedback.strip()]
    lines.append("_Another one: `/practice drill`._")
    return message("Drill scored", lines)
