"""What daily prompts say: the prompt, its checklist and reveal, schedules."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from framework import Scenario, Section

from bot.core.messages import Button, ButtonsBlock, DividerBlock, OutMessage
from bot.core.records import ChannelRecord, DailyPromptRecord, ScoreCard
from bot.core.texts import error_message, message

CHECKLIST = "prompt.checklist"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
VERDICT_MARK = {"covered": "[x]", "partial": "[~]", "missing": "[ ]"}


def daily_prompt(prompt: DailyPromptRecord, scenario: Scenario, section: Section, closes_at: datetime,
                 timezone: str) -> OutMessage:
    closes_local = closes_at.astimezone(ZoneInfo(timezone)).strftime("%a %H:%M")
    lines = [
        f"*Design challenge: {scenario.title}.* {scenario.brief}",
        f"*{section.number}. {section.title}*: {prompt.question}",
        f"_Answer in this thread before {closes_local} ({timezone}). Every answer counts toward your streak._",
    ]
    return message(
        "Daily practice",
        lines,
        extra=(ButtonsBlock((Button(CHECKLIST, "Show checklist", str(prompt.id)),)),),
    )


def local_moment(moment: datetime, timezone: str) -> str:
    """A moment as the channel's people read it: in its timezone, named."""
    return f"{moment.astimezone(ZoneInfo(timezone)):%a %Y-%m-%d %H:%M} ({timezone})"


def checklist_not_yet(closes_at: datetime, timezone: str, *, answered: bool) -> OutMessage:
    when = local_moment(closes_at, timezone)
    if answered:
        return error_message(f"Thanks, your answer is in. The checklist is revealed when the answer window closes "
                             f"({when}), in the thread, and every answer is scored then.")
    return error_message(f"The checklist is revealed when the answer window closes ({when}). "
                         "Answer in the thread first, then compare.")


def prompt_already_up(prompt: DailyPromptRecord) -> str:
    return (f"Today's prompt is already up, in the thread \"{prompt_thread_name(prompt)}\": {prompt.question.strip()} "
            "Answer there, or try `/practice interview` for more.")


def prompt_thread_name(prompt: DailyPromptRecord) -> str:
    return f"Daily practice {prompt.local_date:%b %d}"


def checklist(section: Section, question: str) -> OutMessage:
    lines = [f"_{question}_", *[f"- {item.covers}" for item in section.items]]
    return message(f"Checklist: {section.number}. {section.title}", lines, ephemeral=True)


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
    return message("Checklist revealed", lines, extra=(DividerBlock(),))


def window_closed() -> str:
    return "This prompt's answer window has closed, so new replies are not counted. Tomorrow's prompt is coming!"


def schedule_message(channel: ChannelRecord | None) -> OutMessage:
    if channel is None or channel.schedule is None or not channel.schedule.enabled:
        return message("", ["No daily prompts here. An admin can start them: `/practice schedule 09:30 UTC mon-fri`."],
                    ephemeral=True)
    s = channel.schedule
    days = weekday_list(s.weekdays)
    nxt = f" Next: {local_moment(channel.next_prompt_at, s.timezone)}." if channel.next_prompt_at else ""
    lines = [f"Daily prompts here at {s.local_time:%H:%M} {s.timezone} on {days}.{nxt}"]
    if s.paused_until is not None:
        lines.append(f"Paused until {s.paused_until:%a %Y-%m-%d} (included); `/practice schedule resume` ends it.")
    if s.skipped:
        lines.append("Skipped: " + ", ".join(f"{day:%a %Y-%m-%d}" for day in sorted(s.skipped)) + ".")
    return message("", lines, ephemeral=True)


def no_schedule_to_break() -> str:
    return "There is no daily prompt schedule here to skip or pause. Start one: `/practice schedule 09:30 UTC mon-fri`."


def date_in_past(day: date) -> str:
    return f"{day:%Y-%m-%d} has already passed here. Give today or a later date."


def date_too_far(day: date, limit: int) -> str:
    return f"{day:%Y-%m-%d} is too far ahead: skip or pause at most {limit} days ahead."


def weekday_list(weekdays: frozenset[int]) -> str:
    """``Mon-Fri``, ``every day``, ``Mon, Wed and Fri``: as a person would write them."""
    days = sorted(weekdays)
    if days == list(range(7)):
        return "every day"
    if len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
        return f"{WEEKDAYS[days[0]]}-{WEEKDAYS[days[-1]]}"
    names = [WEEKDAYS[d] for d in days]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"


def schedule_off() -> OutMessage:
    return message("", ["Daily prompts are off in this channel."])


def not_admin() -> OutMessage:
    return error_message(
        "Only workspace admins (or people on the bot's allow-list) can change the schedule. "
        "Ask one of them, or see it with `/practice schedule`."
    )
