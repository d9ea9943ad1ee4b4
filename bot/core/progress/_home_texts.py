"""What a member's home shows (Slack's App Home): streak, practice days, last scores, weakest sections."""

from __future__ import annotations

from collections.abc import Sequence

from framework import Framework

from bot.core.charts import Weakness
from bot.core.messages import Button, ButtonsBlock, ContextBlock, DividerBlock, FieldsBlock, OutMessage, SectionBlock
from bot.core.progress.stats import ScoreFact
from bot.core.records import StreakRecord

HOME_DRILL = "home.drill"
HOME_STATS = "home.stats"
SOURCE = {"interview": "interview", "prompt": "daily prompt", "drill": "drill"}


def home_view(name: str, streak: StreakRecord | None, last: Sequence[ScoreFact], weakest: Sequence[Weakness],
              framework: Framework) -> OutMessage:
    current = streak.current if streak else 0
    longest = streak.longest if streak else 0
    days = streak.total_days if streak else 0
    fields = (("Current streak", f"{current} day{'s' if current != 1 else ''}"),
              ("Longest streak", f"{longest} day{'s' if longest != 1 else ''}"),
              ("Practice days", str(days)))
    if last:
        scores = "\n".join(f"{fact.day:%a %d %b}: *{fact.score:.1f}/10* on {fact.section}. "
                           f"{framework.section(fact.section).title} ({SOURCE[fact.source]})" for fact in last)
    else:
        scores = "No scored answers yet."
    if weakest:
        weak = "\n".join(f"{w.section}. {w.title}: {w.mean:.1f}/10 over {w.answers}"
                         + (f", most missed: {w.missed[0][0][:90]}" if w.missed else "") for w in weakest)
    else:
        weak = "Nothing scored yet: a drill picks a section for you."
    text = (f"*{name}'s practice*\nCurrent streak {current}, longest {longest}, {days} practice days.\n"
            f"*Last five scores*\n{scores}\n*Weakest sections*\n{weak}")
    blocks = (
        SectionBlock(f"*{name}'s practice*"),
        FieldsBlock(fields),
        DividerBlock(),
        SectionBlock(f"*Last five scores*\n{scores}"),
        SectionBlock(f"*Weakest sections*\n{weak}"),
        ButtonsBlock((Button(HOME_DRILL, "Start a drill", style="primary"), Button(HOME_STATS, "Open my stats"))),
        ContextBlock("A drill asks about your weakest section in a thread of its own and scores it at once."),
    )
    return OutMessage(text=text, blocks=blocks, title=f"{name}'s practice")
