"""What stats say: the summary beside each picture, its alt text, and the text fallback that carries
the same facts as the picture (sent where files cannot go)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from bot.core.charts import Grid, PersonalChart, TeamChart, Weakness
from bot.core.messages import OutMessage
from bot.core.progress.stats import blind_spots
from bot.core.texts import message


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def _answers(count: int) -> str:
    return f"{count} scored answer" if count == 1 else f"{count} scored answers"


def weakness_lines(weakest: Iterable[Weakness]) -> list[str]:
    lines = []
    for weak in weakest:
        lines.append(f"• {weak.section}. {weak.title}: mean {weak.mean:.1f}/10 over {_answers(weak.answers)}")
        lines.extend(f"    missed {times}x: {text}" for text, times in weak.missed)
    return lines


def personal_summary(chart: PersonalChart, *, current: int, longest: int) -> list[str]:
    weeks = (chart.last_day - chart.first_day).days // 7 + 1
    total = sum(sum(row) for row in chart.scores.counts)
    lines = [
        f"Practice days in the last {weeks} weeks: *{len(chart.practice_days)}*; current streak "
        f"{_days(current)}, longest {_days(longest)}.",
        f"{_answers(total).capitalize()} in the last {len(chart.scores.columns)} weeks.",
    ]
    if chart.weakest:
        lines.append("Weakest sections:")
        lines.extend(weakness_lines(chart.weakest))
        lines.append(f"Aim at it with `/practice section {chart.weakest[0].section}`.")
    else:
        lines.append("No scored answers yet: answer a daily prompt or try `/practice interview`.")
    return lines


def personal_alt(chart: PersonalChart) -> str:
    weak = ", ".join(f"{w.section}. {w.title} ({w.mean:.1f})" for w in chart.weakest) or "none yet"
    return (f"{chart.title}: a calendar of {len(chart.practice_days)} practice days since "
            f"{chart.first_day:%d %b %Y}, mean score per section by week, weakest sections: {weak}.")


def calendar_lines(days: Iterable[date]) -> list[str]:
    months: dict[str, list[int]] = defaultdict(list)
    for day in sorted(days):
        months[day.strftime("%b %Y")].append(day.day)
    return [f"{month}: {', '.join(str(d) for d in numbers)}" for month, numbers in months.items()] or ["none"]


def grid_lines(grid: Grid) -> list[str]:
    """Every non-empty cell as ``column mean (count)`` per row; rows with nothing say so."""
    lines = []
    for row, means, counts in zip(grid.rows, grid.means, grid.counts, strict=True):
        cells = [f"{column} {mean:.1f} ({count})" for column, mean, count in zip(grid.columns, means, counts,
                                                                                 strict=True) if mean is not None]
        lines.append(f"{row}: {'; '.join(cells) if cells else 'nothing scored'}")
    return lines


def personal_fallback(chart: PersonalChart) -> str:
    lines = [f"*{chart.title}* (the picture as text)", "Practice days:"]
    lines += [f"  {line}" for line in calendar_lines(chart.practice_days)]
    lines.append(f"{chart.scores.title} (week starting, mean, answers):")
    lines += [f"  {line}" for line in grid_lines(chart.scores)]
    if chart.weakest:
        lines.append("Weakest sections:")
        lines += weakness_lines(chart.weakest)
    return "\n".join(lines)


def personal_message(chart: PersonalChart, *, current: int, longest: int, ephemeral: bool) -> OutMessage:
    return message(chart.title, personal_summary(chart, current=current, longest=longest), ephemeral=ephemeral)


def team_summary(chart: TeamChart) -> list[str]:
    grid = chart.coverage
    total = sum(sum(row) for row in grid.counts)
    lines = [f"{_answers(total).capitalize()} from {grid.columns[0]} on."]
    spots = blind_spots(grid)
    if spots:
        lines.append(f"Blind spots (nothing scored): {', '.join(spots)}.")
    if chart.improved:
        lines.append("Most improved: " + ", ".join(f"{i.name} ({i.before:.1f} → {i.after:.1f})"
                                                  for i in chart.improved) + ".")
    elif total:
        lines.append("Most improved: nobody yet (it takes scored answers in both halves of the window).")
    return lines


def team_alt(chart: TeamChart) -> str:
    spots = blind_spots(chart.coverage)
    return (f"{chart.title}: a heatmap of scored answers per section ({len(chart.coverage.rows)} rows) by "
            f"{len(chart.coverage.columns)} columns, coloured by mean score; "
            f"blind spots: {', '.join(spots) if spots else 'none'}.")


def team_fallback(chart: TeamChart) -> str:
    lines = [f"*{chart.title}* (the picture as text)", f"{chart.coverage.title} (from, mean, answers):"]
    lines += [f"  {line}" for line in grid_lines(chart.coverage)]
    if chart.improved:
        lines.append("Most improved:")
        lines += [f"  {i.name}: {i.before:.1f} → {i.after:.1f} (+{i.gain:.1f})" for i in chart.improved]
    return "\n".join(lines)


def team_message(chart: TeamChart) -> OutMessage:
    return message(chart.title, team_summary(chart))


def nobody_seen(member: str) -> str:
    return f"I haven't seen {member[:40]} practise here yet."
