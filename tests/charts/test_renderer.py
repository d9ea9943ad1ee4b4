"""The matplotlib renderer, compared on structure (image size, the data it drew), never pixels;
and the stats rules that build its input."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import numpy

from bot.charts import MatplotlibCharts, _draw
from bot.core.progress.stats import ScoreFact, personal_chart, team_chart
from bot.core.records import ItemVerdict
from bot.core.refs import UserRef
from framework import load
from tests.charts.pngs import png_size

TODAY = date(2026, 6, 24)  # a Wednesday
ALICE = UserRef("console", "alice", "local", "Alice")
BOB = UserRef("console", "bob", "local", "Bob")


def _fact(who: UserRef, section: int, score: float, day: date, missing: tuple[str, ...] = ()) -> ScoreFact:
    verdicts = tuple(ItemVerdict(item.id, "missing" if item.id in missing else "covered")
                     for item in load().section(section).items)
    return ScoreFact(who, section, score, datetime.combine(day, datetime.min.time(), tzinfo=UTC), day, verdicts,
                     "prompt")


def test_personal_chart_keeps_every_section_and_the_weakest_with_their_misses() -> None:
    framework = load()
    missed = framework.section(6).items[0].id
    facts = [_fact(ALICE, 6, 2.0, TODAY - timedelta(days=1), (missed,)), _fact(ALICE, 6, 4.0, TODAY, (missed,)),
             _fact(ALICE, 2, 8.0, TODAY), _fact(ALICE, 3, 5.0, TODAY - timedelta(weeks=30))]
    chart = personal_chart(facts, [TODAY, TODAY - timedelta(days=1)], framework, today=TODAY, name="Alice")
    assert len(chart.scores.rows) == 10 and len(chart.scores.columns) == 26
    assert chart.scores.means[6][-1] == 3.0 and chart.scores.counts[6][-1] == 2
    assert all(mean is None for mean in chart.scores.means[3]), "older than 26 weeks: a gap"
    assert [w.section for w in chart.weakest] == [6, 2]
    assert chart.weakest[0].missed == ((framework.section(6).items[0].covers, 2),)
    assert chart.first_day.weekday() == 0 and len(chart.practice_days) == 2


def test_team_chart_finds_the_most_improved() -> None:
    start = TODAY - timedelta(weeks=4)
    facts = [_fact(ALICE, 1, 3.0, start), _fact(ALICE, 1, 8.0, TODAY), _fact(BOB, 1, 6.0, start),
             _fact(BOB, 1, 5.0, TODAY)]
    names = {UserRef("console", "alice", "local"): "Alice", UserRef("console", "bob", "local"): "Bob"}
    chart = team_chart(facts, load(), window="month", today=TODAY, where="here", names=names)
    assert [(i.name, i.before, i.after) for i in chart.improved] == [("Alice", 3.0, 8.0)]
    assert sum(sum(row) for row in chart.coverage.counts) == 4


async def test_the_renderer_draws_what_it_was_given() -> None:
    framework = load()
    facts = [_fact(ALICE, s, float(s), TODAY - timedelta(weeks=s)) for s in range(10)]
    chart = personal_chart(facts, [f.day for f in facts], framework, today=TODAY, name="Alice")
    figure = _draw.personal_figure(chart)
    axes = {ax.get_gid(): ax for ax in figure.axes if ax.get_gid()}
    drawn = numpy.ma.filled(axes["scores"].images[0].get_array().astype(float), math.nan)
    for row, means in enumerate(chart.scores.means):
        for column, mean in enumerate(means):
            cell = drawn[row][column]
            assert (math.isnan(float(cell)) if mean is None else float(cell) == mean), (row, column)
    calendar = numpy.ma.filled(axes["calendar"].images[0].get_array().astype(float), math.nan)
    assert int(sum(v for row in calendar for v in row if not math.isnan(float(v)))) == len(chart.practice_days)
    labels = [t.get_text() for t in axes["scores"].get_yticklabels()]
    assert labels == [row[:28] for row in chart.scores.rows]
    charts = MatplotlibCharts()
    try:
        png = await charts.personal(chart)
        team = await charts.team(team_chart(facts, framework, window="quarter", today=TODAY, where="here", names={}))
    finally:
        charts.close()
    assert png_size(png) == (1100, 800) and len(png) > 10_000
    assert png_size(team) == (1100, 600)
