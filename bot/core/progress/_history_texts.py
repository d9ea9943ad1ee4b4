"""What history and export say."""

from __future__ import annotations

from datetime import date

from framework import Framework

from bot.core.messages import Attachment, OutMessage
from bot.core.progress.history import InterviewHistory, MemberHistory, PromptHistory
from bot.core.texts import message

SHOWN = 10


def _score(value: float | None) -> str:
    return f"{value:.1f}/10" if value is not None else "not scored"


def interview_day(interview: InterviewHistory) -> date:
    """The practice day of its first answer, else the UTC day it started."""
    days = [a.local_date for phase in interview.phases for a in phase.answers]
    return min(days) if days else interview.started_at.date()


def prompt_day(prompt: PromptHistory) -> date:
    return prompt.answers[0].local_date if prompt.answers else prompt.asked_at.date()


def history_message(history: MemberHistory | None, framework: Framework) -> OutMessage:
    if history is None or not (history.interviews or history.prompts):
        return message("Your practice history", [
            "Nothing yet. Start with `/practice interview`, `/practice drill` or today's prompt."], ephemeral=True)
    lines: list[str] = []
    interviews = list(reversed(history.interviews))[:SHOWN]
    if interviews:
        lines.append(f"*Interviews* (last {len(interviews)} of {len(history.interviews)}):")
        for interview in interviews:
            scored = sum(phase.card is not None for phase in interview.phases)
            title = framework.scenario(interview.scenario_id).title
            lines.append(f"- {interview_day(interview):%a %Y-%m-%d}: {title}, "
                         f"{interview.minutes} min, {interview.status}: *{_score(interview.score)}* "
                         f"({scored} of {len(interview.phases)} phases scored)")
    all_drills = [p for p in history.prompts if p.kind == "drill"]
    drills = list(reversed(all_drills))[:SHOWN]
    if drills:
        lines.append(f"*Drills* (last {len(drills)} of {len(all_drills)}):")
        for drill in drills:
            section = framework.section(drill.section)
            lines.append(f"- {prompt_day(drill):%a %Y-%m-%d}: {section.number}. {section.title}: "
                         f"*{_score(drill.score)}*")
    prompts = sum(p.kind == "prompt" for p in history.prompts)
    if prompts:
        lines.append(f"Daily prompts answered: {prompts}.")
    lines.append("`/practice export` sends you everything, answers and verdicts, as Markdown and JSON.")
    return message("Your practice history", lines, ephemeral=True)


def export_message(history: MemberHistory, markdown: str, data: str) -> OutMessage:
    answers = len(history.answers())
    summary = (f"Your practice, {len(history.interviews)} interviews, "
               f"{sum(p.kind == 'prompt' for p in history.prompts)} daily prompts and "
               f"{sum(p.kind == 'drill' for p in history.prompts)} drills ({answers} answers), "
               "as a Markdown transcript and as JSON.")
    fallback = ("(The files could not be sent here. An operator can run "
                f"`practice-bot export --platform {history.member.platform} --member {history.member.user_id}`.)")
    files = (
        Attachment("practice-transcript.md", markdown.encode(), alt="Your practice transcript (Markdown)",
                   fallback=fallback, mime="text/markdown"),
        Attachment("practice-transcript.json", data.encode(), alt="Your practice transcript (JSON)",
                   fallback="", mime="application/json"),
    )
    msg = message("Your practice export", [summary], ephemeral=True)
    return OutMessage(text=msg.text, blocks=msg.blocks, title=msg.title, ephemeral=True, files=files)


def nothing_to_export() -> OutMessage:
    return message("Your practice export", ["Nothing to export yet: no interviews, prompts or drills of yours are "
                                            "stored."], ephemeral=True)
