"""What the catalog says: help, the framework's sections, one section's checklist, the scenarios."""

from __future__ import annotations

from framework import Framework, Section

from bot.core.messages import OutMessage
from bot.core.texts import message


def help_message() -> OutMessage:
    return message(
        "Practice bot: system-design interview practice",
        [
            "`/practice interview [scenario] [minutes]` - a timed mock interview in a thread (10-90 min, default 45)",
            "`/practice prompt` - a practice question right now",
            "`/practice drill` - a question from your weakest section, just for you, scored at once",
            "`/practice schedule [HH:MM] [timezone] [weekdays|off]` - daily prompts here (admins)",
            "`/practice schedule skip <YYYY-MM-DD>` · `pause until <YYYY-MM-DD>` · `resume` - days without prompts "
            "(admins)",
            "`/practice streak [member]` - practice streak",
            "`/practice timezone [zone|clear]` - the timezone your practice days count in",
            "`/practice pause <days>` · `/practice resume` - days off that neither extend nor break your streak",
            "`/practice pairing [join|leave]` - weekly pairs for peer mocks; `pairing on [weekday] [HH:MM] [timezone]`"
            " or `off` (admins)",
            "`/practice leaderboard [week|month|all]` - who practises most",
            "`/practice stats [member]` - your practice as a picture",
            "`/practice team [week|month|quarter]` - the team's coverage of the sections as a picture",
            "`/practice history` - your last interviews and drills; `/practice export` - all of it as files",
            "`/practice sections` - the framework's sections and time budgets",
            "`/practice section <n>` - one section's checklist",
            "`/practice scenarios` - systems to design",
            "`/practice forget-me` - delete everything the bot keeps about you (asks first)",
            "In an interview thread, just answer. Steer with `next`, `skip`, `hint`, `time` or `end`.",
        ],
        ephemeral=True,
    )


def sections_message(framework: Framework) -> OutMessage:
    lines = []
    for s in framework.sections:
        budget = f"{s.budget_minutes} min" if s.budget_minutes else "as time allows"
        lines.append(f"*{s.number}. {s.title}* ({budget}) - {s.goal}")
    return message("The framework", lines, ephemeral=True)


def section_message(section: Section) -> OutMessage:
    budget = f"{section.budget_minutes} min" if section.budget_minutes else "as time allows"
    lines = [f"_{section.goal}_", f"Time budget: {budget}", ""]
    lines += [f"- {item.covers} _(from {item.source})_" for item in section.items]
    return message(f"Section {section.number}: {section.title}", lines, ephemeral=True)


def scenarios_message(framework: Framework) -> OutMessage:
    lines = [f"`{s.id}` - {s.title}" for s in framework.scenarios]
    lines.append("Start one with `/practice interview <id> [minutes]`.")
    return message(f"{len(framework.scenarios)} systems to design", lines, ephemeral=True)
