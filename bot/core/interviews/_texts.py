"""What the interviewer says: the parent post, each phase, nudges, hints, scores, the scorecard."""

from __future__ import annotations

from framework import DEFAULT_LEVEL, ChecklistItem, Framework, Level, Scenario, Section

from bot.core.interviews.rules import format_duration
from bot.core.messages import (
    Button,
    ButtonsBlock,
    ContextBlock,
    FieldsBlock,
    OutMessage,
    SectionBlock,
)
from bot.core.records import InterviewRecord, ScoreCard
from bot.core.scoring import coverage, missed_items
from bot.core.texts import error_message, message

NEXT = "interview.next"
HINT = "interview.hint"
END = "interview.end"


def button_value(interview_id: int, phase_index: int) -> str:
    """``<interview>-<phase>``: a click on an earlier phase's button must not move a later phase."""
    return f"{interview_id}-{phase_index}"


def _interview_buttons(interview_id: int, phase_index: int) -> ButtonsBlock:
    value = button_value(interview_id, phase_index)
    return ButtonsBlock(
        (
            Button(NEXT, "Next section", value, "primary"),
            Button(HINT, "Hint", value),
            Button(END, "End interview", value, "danger"),
        )
    )


def interview_parent(candidate: str, scenario: Scenario, total_minutes: int, *,
                     level: Level = DEFAULT_LEVEL, quiet: bool = False, interviewer: str | None = None) -> OutMessage:
    probes = "no follow-up questions" if quiet else "follow-up questions on what an answer leaves out"
    if interviewer is not None:
        probes = (f"interviewed by {interviewer}, who has the checklist; both of you can say `next`, `time` "
                  "or `end`, and the interviewer `+2m` once a phase")
    return message(
        f"Mock interview: {scenario.title}",
        [
            f"{candidate} is designing *{scenario.title}* ({total_minutes} min, {level} level, {probes}).",
            f"_{scenario.brief}_",
            f"Scale: {scenario.scale.users}; {scenario.scale.requests_per_second}; {scenario.scale.data_size}.",
            "Follow along in the thread.",
        ],
    )


def opening_question(section: Section, scenario: Scenario) -> str:
    return section.opening_question(scenario)


def phase_opening(
    interview: InterviewRecord, section: Section, scenario: Scenario, *, total_phases: int
) -> OutMessage:
    phase = interview.phases[interview.phase_index]
    lines = [opening_question(section, scenario)]
    twist = scenario.twists.get(section.number)
    if twist:
        lines.append(f"Twist: {twist}")
    lines.append(
        f"_Phase {interview.phase_index + 1} of {total_phases}, {format_duration(phase.budget_seconds)}. "
        "Answer here; say `next` when done, `hint` for a nudge, `skip` to pass over a section you "
        "will not answer._"
    )
    return message(
        f"{section.number}. {section.title}",
        lines,
        extra=(_interview_buttons(interview.id, interview.phase_index),),
    )


def nudge(seconds_left: int, section: Section) -> OutMessage:
    return message("", [f"About {format_duration(seconds_left)} left for *{section.title}*."])


def time_up(section: Section, *, last: bool = False) -> OutMessage:
    then = "That was the last section: your scorecard follows." if last else "Moving on."
    return message("", [f"Time is up for *{section.title}*. {then}"])


def skip_kept_answer(section: Section) -> OutMessage:
    return message("", [f"You had already answered *{section.title}*, so I kept your answer and scored it. "
                        "(`skip` passes over a section you have not answered; it is left out of the scorecard.)"])


def command_in_thread(text: str) -> OutMessage:
    word = text.strip().split(" ", 1)[0][:30]
    return message("", [f"`{word}` is not an answer, so I did not record it. Commands go in the channel "
                        "(`/practice help` there); here, type your answer, or `next`, `hint`, `skip`, "
                        "`time` or `end`."])


STAFF_DEEPER = "Go deeper: what is the trade-off, what fails first, and how does this change as the system grows?"


def item_probe(item: ChecklistItem, scenario: Scenario, level: Level) -> str:
    """The item's own probe from the content; at staff level it asks for trade-offs, failure
    modes and evolution too."""
    text = item.probe.replace("{scenario}", scenario.title)
    return f"{text} {STAFF_DEEPER}" if level == "staff" else text


def probe(question: str) -> OutMessage:
    return message("Follow-up", [question])


def hint(item_probe: str) -> OutMessage:
    return message("Hint", [item_probe])


def no_more_hints(section: Section) -> OutMessage:
    return message("", [f"No more hints for *{section.title}*: you have seen every probe."])


def time_left(section: Section, phase_left: int, total_left: int) -> OutMessage:
    return message(
        "",
        [
            f"*{section.title}*: {format_duration(phase_left)} left in this phase, "
            f"about {format_duration(total_left)} in the interview."
        ],
    )


def phase_score(section: Section, card: ScoreCard, *, level: Level | None = None) -> OutMessage:
    counts = coverage(section, card.verdicts, level=level)
    lines = [f"{section.title}: *{card.score:.1f}/10* ({counts.describe()})."]
    if card.feedback:
        lines.append(card.feedback)
    return message("", lines, extra=(ContextBlock(f"Scored by: {card.label}"),))


def after_time_up(time_up: OutMessage, then: OutMessage) -> OutMessage:
    """ "Time is up" for the phase just left, and what follows it (the next question), as one message."""
    return OutMessage(text=f"{time_up.text}\n\n{then.text}", blocks=(*time_up.blocks, *then.blocks), title=then.title)


def scored_phase(score: OutMessage, opening: OutMessage) -> OutMessage:
    """The previous phase's score folded into the next phase's question: one message, in order."""
    scored_by = "\n".join(b.text for b in score.blocks if isinstance(b, ContextBlock))
    return OutMessage(text=f"{score.text}\n{scored_by}\n\n{opening.text}", blocks=(*score.blocks, *opening.blocks))


def scorecard(
    interview: InterviewRecord, framework: Framework, scenario: Scenario, cards: dict[int, ScoreCard]
) -> OutMessage:
    fields: list[tuple[str, str]] = []
    lines = []
    total = 0.0
    counted = 0
    labels: set[str] = set()
    for index, phase in enumerate(interview.phases):
        section = framework.section(phase.section)
        card = cards.get(index)
        if index in interview.skipped:
            shown = "skipped"
        elif card is None:
            shown = "no answer" if index <= interview.phase_index else "not reached"
        else:
            shown = f"{card.score:.1f}/10"
            total += card.score
            counted += 1
            labels.add(card.label)
        fields.append((f"{section.number}. {section.title}", shown))
        lines.append(f"{section.number}. {section.title}: {shown}")
    overall = total / len(interview.phases) if interview.phases else 0.0
    gaps = []
    for index, card in sorted(cards.items()):
        section = framework.section(interview.phases[index].section)
        missed = missed_items(section, card, level=interview.level)
        if missed:
            gaps.append(f"- {section.title}: {missed[0]}")
    summary = [f"Overall *{overall:.1f}/10* across {len(interview.phases)} sections ({counted} answered)."]
    if gaps:
        summary += ["What to work on:", *gaps[:5]]
    text = "\n".join([f"*Scorecard: {scenario.title}*", *lines, *summary])
    blocks = (
        SectionBlock(f"*Scorecard: {scenario.title}*"),
        FieldsBlock(tuple(fields)),
        SectionBlock("\n".join(summary)),
        ContextBlock("Scored by: " + (", ".join(sorted(labels)) or "nobody (no answers)")),
    )
    return OutMessage(text=text, blocks=blocks, title=f"Scorecard: {scenario.title}")


def interview_ended_early() -> OutMessage:
    return message("", ["Interview ended. Here is how it went."])


def stale_button(section: Section | None) -> OutMessage:
    now = f" The interview is on *{section.title}* now." if section else " The interview is over."
    return error_message("That button belongs to an earlier phase, so I ignored it." + now)


def not_candidate(candidate: str) -> OutMessage:
    return error_message(f"Only {candidate} can steer this interview; your messages here are kept as comments.")


def interview_already_running(thread_hint: str) -> OutMessage:
    return error_message(f"You already have an interview running{thread_hint}. Say `end` there to stop it.")


def extended(section: Section, added_seconds: int, phase_left: int) -> OutMessage:
    return message("", [f"The interviewer added {format_duration(added_seconds)} to *{section.title}*: "
                        f"{format_duration(phase_left)} left in this phase."])


def extended_already(section: Section) -> OutMessage:
    return message("", [f"*{section.title}* already got its extra time (`+2m` works once a phase)."])


def peer_hint(interviewer: str) -> OutMessage:
    return message("", [f"In a peer mock the hints are {interviewer}'s to give: ask them."])
