"""Every message the core says, built once as neutral ``OutMessage``s.

Adapters render these to Block Kit, embeds or console text; they add no wording of
their own beyond platform chrome.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from framework import Framework, Scenario, Section

from bot.core.interviews import format_duration
from bot.core.messages import (
    Button,
    ButtonsBlock,
    ContextBlock,
    DividerBlock,
    FieldsBlock,
    OutMessage,
    SectionBlock,
)
from bot.core.records import (
    ChannelRecord,
    DailyPromptRecord,
    InterviewRecord,
    LeaderboardRow,
    ScoreCard,
    StreakRecord,
)
from bot.core.scoring import missed_items

NEXT = "interview.next"
HINT = "interview.hint"
END = "interview.end"
CHECKLIST = "prompt.checklist"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
VERDICT_MARK = {"covered": "[x]", "partial": "[~]", "missing": "[ ]"}


def _msg(title: str, lines: Sequence[str], *, ephemeral: bool = False, extra: Sequence[object] = ()) -> OutMessage:
    body = "\n".join(lines)
    text = f"*{title}*\n{body}" if title else body
    blocks: list[object] = [SectionBlock(text)]
    blocks.extend(extra)
    return OutMessage(text=text, blocks=tuple(blocks), title=title, ephemeral=ephemeral)  # type: ignore[arg-type]


def help_message() -> OutMessage:
    return _msg(
        "Practice bot: system-design interview practice",
        [
            "`/practice interview [scenario] [minutes]` - a timed mock interview in a thread (10-90 min, default 45)",
            "`/practice prompt` - a practice question right now",
            "`/practice schedule [HH:MM] [timezone] [weekdays|off]` - daily prompts here (admins)",
            "`/practice streak [member]` - practice streak",
            "`/practice leaderboard [week|month|all]` - who practises most",
            "`/practice sections` - the framework's sections and time budgets",
            "`/practice section <n>` - one section's checklist",
            "`/practice scenarios` - systems to design",
            "In an interview thread, just answer. Steer with `next`, `skip`, `hint`, `time` or `end`.",
        ],
        ephemeral=True,
    )


def sections_message(framework: Framework) -> OutMessage:
    lines = []
    for s in framework.sections:
        budget = f"{s.budget_minutes} min" if s.budget_minutes else "as time allows"
        lines.append(f"*{s.number}. {s.title}* ({budget}) - {s.goal}")
    return _msg("The framework", lines, ephemeral=True)


def section_message(section: Section) -> OutMessage:
    budget = f"{section.budget_minutes} min" if section.budget_minutes else "as time allows"
    lines = [f"_{section.goal}_", f"Time budget: {budget}", ""]
    lines += [f"- {item.covers} _(from {item.source})_" for item in section.items]
    return _msg(f"Section {section.number}: {section.title}", lines, ephemeral=True)


def scenarios_message(framework: Framework) -> OutMessage:
    lines = [f"`{s.id}` - {s.title}" for s in framework.scenarios]
    lines.append("Start one with `/practice interview <id> [minutes]`.")
    return _msg(f"{len(framework.scenarios)} systems to design", lines, ephemeral=True)


def error_message(text: str) -> OutMessage:
    return OutMessage(text=text, blocks=(SectionBlock(text),), ephemeral=True)


def apology(error_id: str) -> OutMessage:
    return error_message(
        f"Sorry, something went wrong on my side. Nothing you did was lost. (error id {error_id})"
    )


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


def interview_parent(candidate: str, scenario: Scenario, total_minutes: int) -> OutMessage:
    return _msg(
        f"Mock interview: {scenario.title}",
        [
            f"{candidate} is designing *{scenario.title}* ({total_minutes} min).",
            f"_{scenario.brief}_",
            f"Scale: {scenario.scale.users}; {scenario.scale.requests_per_second}; {scenario.scale.data_size}.",
            "Follow along in the thread.",
        ],
    )


def phase_opening(
    interview: InterviewRecord, section: Section, scenario: Scenario, *, total_phases: int
) -> OutMessage:
    phase = interview.phases[interview.phase_index]
    opening = " ".join(q.replace("{scenario}", scenario.title) for q in section.openings)
    lines = [opening]
    twist = scenario.twists.get(section.number)
    if twist:
        lines.append(f"Twist: {twist}")
    lines.append(
        f"_Phase {interview.phase_index + 1} of {total_phases}, {format_duration(phase.budget_seconds)}. "
        "Answer here; say `next` when done, `hint` for a nudge._"
    )
    return _msg(
        f"{section.number}. {section.title}",
        lines,
        extra=(_interview_buttons(interview.id, interview.phase_index),),
    )


def nudge(seconds_left: int, section: Section) -> OutMessage:
    return _msg("", [f"About {format_duration(seconds_left)} left for *{section.title}*."])


def time_up(section: Section) -> OutMessage:
    return _msg("", [f"Time is up for *{section.title}*. Moving on."])


def hint(item_probe: str) -> OutMessage:
    return _msg("Hint", [item_probe])


def no_more_hints(section: Section) -> OutMessage:
    return _msg("", [f"No more hints for *{section.title}*: you have seen every probe."])


def time_left(section: Section, phase_left: int, total_left: int) -> OutMessage:
    return _msg(
        "",
        [
            f"*{section.title}*: {format_duration(phase_left)} left in this phase, "
            f"about {format_duration(total_left)} in the interview."
        ],
    )


def phase_score(section: Section, card: ScoreCard) -> OutMessage:
    covered = sum(1 for v in card.verdicts if v.verdict == "covered")
    lines = [f"{section.title}: *{card.score:.1f}/10* ({covered} of {len(section.items)} points covered)."]
    if card.feedback:
        lines.append(card.feedback)
    return _msg("", lines, extra=(ContextBlock(f"Scored by: {card.label}"),))


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
        missed = missed_items(section, card)
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
    return _msg("", ["Interview ended. Here is how it went."])


def stale_button(section: Section | None) -> OutMessage:
    now = f" The interview is on *{section.title}* now." if section else " The interview is over."
    return error_message("That button belongs to an earlier phase, so I ignored it." + now)


def window_closed() -> str:
    return "This prompt's answer window has closed, so new replies are not counted. Tomorrow's prompt is coming!"


def not_candidate(candidate: str) -> OutMessage:
    return error_message(f"Only {candidate} can steer this interview; your messages here are kept as comments.")


def daily_prompt(prompt: DailyPromptRecord, scenario: Scenario, section: Section, closes_at: datetime,
                 timezone: str) -> OutMessage:
    closes_local = closes_at.astimezone(ZoneInfo(timezone)).strftime("%a %H:%M")
    lines = [
        f"*Build {scenario.title}.* {scenario.brief}",
        f"*{section.number}. {section.title}*: {prompt.question}",
        f"_Answer in this thread before {closes_local} ({timezone}). Every answer counts toward your streak._",
    ]
    return _msg(
        "Daily practice",
        lines,
        extra=(ButtonsBlock((Button(CHECKLIST, "Show checklist", str(prompt.id)),)),),
    )


def checklist_not_yet(closes_at: datetime) -> OutMessage:
    return error_message(
        f"The checklist is revealed when the answer window closes ({closes_at:%Y-%m-%d %H:%M} UTC). "
        "Answer first!"
    )


def checklist(section: Section, question: str) -> OutMessage:
    lines = [f"_{question}_", *[f"- {item.covers}" for item in section.items]]
    return _msg(f"Checklist: {section.number}. {section.title}", lines, ephemeral=True)


def prompt_reveal(section: Section, results: Sequence[tuple[str, ScoreCard]]) -> OutMessage:
    lines = [f"The window is closed. What a strong answer on *{section.title}* covers:"]
    lines += [f"- {item.covers}" for item in section.items]
    if results:
        lines.append("")
        for who, card in results:
            marks = " ".join(VERDICT_MARK[v.verdict] for v in card.verdicts)
            lines.append(f"{who}: *{card.score:.1f}/10* {marks} ({card.label})")
    else:
        lines.append("No answers this time. Tomorrow's another day.")
    return _msg("Checklist revealed", lines, extra=(DividerBlock(),))


def streak_message(name: str, streak: StreakRecord | None, current: int) -> OutMessage:
    if streak is None or streak.total_days == 0:
        return _msg("", [f"{name} has no practice days yet. Answer a daily prompt or try `/practice interview`."],
                    ephemeral=True)
    return _msg(
        f"{name}'s practice",
        [
            f"Current streak: *{current}* day{'s' if current != 1 else ''}",
            f"Longest streak: {streak.longest}",
            f"Practice days: {streak.total_days}",
        ],
        ephemeral=True,
    )


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def leaderboard_message(window: str, rows: Sequence[LeaderboardRow]) -> OutMessage:
    heading = {"week": "this week", "month": "this month", "all": "all time"}[window]
    if not rows:
        return _msg(f"Leaderboard, {heading}", ["Nobody has practised yet. Be the first!"])
    lines = [
        f"{row.rank}. {row.member.mention}: {row.current}-day streak "
        f"(longest {row.longest}, {_days(row.days)})"
        for row in rows
    ]
    return _msg(f"Leaderboard, {heading}", lines)


def schedule_message(channel: ChannelRecord | None) -> OutMessage:
    if channel is None or channel.schedule is None or not channel.schedule.enabled:
        return _msg("", ["No daily prompts here. An admin can start them: `/practice schedule 09:30 UTC mon-fri`."],
                    ephemeral=True)
    s = channel.schedule
    days = ",".join(WEEKDAYS[d] for d in sorted(s.weekdays))
    nxt = f" Next: {channel.next_prompt_at:%Y-%m-%d %H:%M} UTC." if channel.next_prompt_at else ""
    return _msg("", [f"Daily prompts here at {s.local_time:%H:%M} {s.timezone} on {days}.{nxt}"], ephemeral=True)


def schedule_off() -> OutMessage:
    return _msg("", ["Daily prompts are off in this channel."])


def not_admin() -> OutMessage:
    return error_message(
        "Only workspace admins (or people on the bot's allow-list) can change the schedule. "
        "Ask one of them, or see it with `/practice schedule`."
    )


def answer_too_long(limit: int) -> OutMessage:
    return error_message(f"That answer is over {limit:,} characters, so I kept the first {limit:,}.")


def empty_answer() -> OutMessage:
    return error_message("That message looks empty, so it was not counted as an answer.")


def interview_already_running(thread_hint: str) -> OutMessage:
    return error_message(f"You already have an interview running{thread_hint}. Say `end` there to stop it.")
