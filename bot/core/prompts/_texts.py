"""What daily prompts say: the prompt, its checklist and reveal, schedules."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
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
        f"*Build {scenario.title}.* {scenario.brief}",
        f"*{section.number}. {section.title}*: {prompt.question}",
        f"_Answer in this thread before {closes_local} ({timezone}). Every answer counts toward your streak._",
    ]
    return message(
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
    days = ",".join(WEEKDAYS[d] for d in sorted(s.weekdays))
    nxt = f" Next: {channel.next_prompt_at:%Y-%m-%d %H:%M} UTC." if channel.next_prompt_at else ""
    return message("", [f"Daily prompts here at {s.local_time:%H:%M} {s.timezone} on {days}.{nxt}"], ephemeral=True)


def schedule_off() -> OutMessage:
    return message("", ["Daily prompts are off in this channel."])


def not_admin() -> OutMessage:
    return error_message(
        "Only workspace admins (or people on the bot's allow-list) can change the schedule. "
        "Ask one of them, or see it with `/practice schedule`."
    )
