"""What a peer mock says: the interviewer's private rubric, the mark buttons, marks and the note,
and the scorecard's peer part."""

from __future__ import annotations

from typing import Literal

from framework import Scenario, Section

from bot.core.messages import Button, ButtonsBlock, ContextBlock, OutMessage
from bot.core.peers.rules import CODE_OF, ITEMS_PER_MARK_MESSAGE, Agreement, mark_action, mark_value
from bot.core.records import InterviewRecord, PeerMark, ScoreCard, Verdict
from bot.core.texts import error_message, message

MARK_LABELS: dict[Verdict, str] = {"covered": "covered", "partial": "partly", "missing": "missing"}
MARK_STYLES: dict[Verdict, Literal["default", "primary", "danger"]] = {
    "covered": "primary", "partial": "default", "missing": "danger"}
AGREEMENT_SIGNS: dict[Agreement, str] = {"agree": "agree", "close": "close", "differ": "differ",
                                         "unmarked": "not marked"}


def _scenario_text(text: str, scenario: Scenario) -> str:
    return text.replace("{scenario}", scenario.title)


def rubric(interview: InterviewRecord, section: Section, scenario: Scenario, phase_index: int) -> OutMessage:
    """The phase's checklist, its probe questions, the scenario's twist and scale: for the interviewer
    alone."""
    lines = [f"_{section.goal}_", "", "*What a good answer covers* (ask the probe when it is missing):"]
    for number, item in enumerate(section.items, start=1):
        lines.append(f"{number}. {item.covers} _({item.level})_")
        lines.append(f"    Probe: {_scenario_text(item.probe, scenario)}")
    twist = scenario.twists.get(section.number)
    if twist:
        lines += ["", f"*Twist to introduce*: {twist}"]
    scale = scenario.scale
    lines += ["", f"*Scale, if asked*: {scale.users}; {scale.requests_per_second}; {scale.data_size}."]
    total = len(interview.phases)
    return message(f"Your rubric, phase {phase_index + 1} of {total}: {section.number}. {section.title}", lines)


def mark_messages(interview: InterviewRecord, section: Section, phase_index: int) -> list[OutMessage]:
    """Buttons to mark each item as the candidate talks, at most ``ITEMS_PER_MARK_MESSAGE`` items a message."""
    value = mark_value(interview.id, phase_index)
    found: list[OutMessage] = []
    for start in range(0, len(section.items), ITEMS_PER_MARK_MESSAGE):
        chunk = list(enumerate(section.items))[start:start + ITEMS_PER_MARK_MESSAGE]
        buttons: list[Button] = []
        lines = []
        for number, item in chunk:
            lines.append(f"{number + 1}. {_short(item.covers)}")
            for verdict, label in MARK_LABELS.items():
                buttons.append(Button(mark_action(CODE_OF[verdict], number), f"{number + 1} {label}", value,
                                      MARK_STYLES[verdict]))
        found.append(message("Mark as the candidate talks (you can change a mark until the scorecard)",
                             lines, extra=(ButtonsBlock(tuple(buttons)),)))
    return found


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def marked(section: Section, item_number: int, mark: Verdict, marked_count: int) -> OutMessage:
    item = section.items[item_number]
    return message("", [f"Marked {item_number + 1} ({_short(item.covers, 60)}) as *{MARK_LABELS[mark]}*. "
                        f"{marked_count} of {len(section.items)} marked in *{section.title}*."], ephemeral=True)


def not_interviewer(interviewer: str) -> OutMessage:
    return error_message(f"Only the interviewer ({interviewer}) can mark this interview.")


def marks_final() -> OutMessage:
    return error_message("The scorecard is out, so the marks are final.")


def note_saved(*, posted: bool) -> OutMessage:
    where = "posted under the scorecard" if posted else "it goes on the scorecard at the end"
    return message("", [f"Your note is saved: {where}."], ephemeral=True)


def note_posted(interviewer: str, note: str) -> OutMessage:
    return message(f"{interviewer}'s note", [note])


def peer_part(
    interview: InterviewRecord,
    sections: list[tuple[int, Section]],
    cards: dict[int, ScoreCard],
    marks: dict[str, PeerMark],
    agreements: dict[str, Agreement],
    share: tuple[int, int],
    note: str | None,
) -> OutMessage:
    """The interviewer's marks beside the scorer's verdicts, item by item, with the scorer's quotes."""
    interviewer = interview.interviewer.mention if interview.interviewer else "The interviewer"
    agreed, judged = share
    lines = [f"Interviewer: {interviewer}. They agree with the scorer on {agreed} of {judged} items both judged."]
    for index, section in sections:
        card = cards.get(index)
        verdicts = {v.item_id: v for v in card.verdicts} if card else {}
        lines += ["", f"*{section.number}. {section.title}*"]
        for number, item in enumerate(section.items, start=1):
            mark = marks.get(item.id)
            verdict = verdicts.get(item.id)
            shown_mark = MARK_LABELS[mark.mark] if mark else "-"
            shown_verdict = MARK_LABELS[verdict.verdict] if verdict else "-"
            line = (f"{number}. {_short(item.covers, 70)}: interviewer *{shown_mark}*, scorer *{shown_verdict}* "
                    f"({AGREEMENT_SIGNS[agreements.get(item.id, 'unmarked')]})")
            if verdict is not None and verdict.evidence:
                line += f'\n    > "{_short(verdict.evidence, 160)}"'
            lines.append(line)
    if note:
        lines += ["", f"*{interviewer}'s note*", note]
    return message("Interviewer's marks beside the scorer's", lines,
                   extra=(ContextBlock("agree: the same verdict; close: one step apart; differ: covered vs missing"),))
