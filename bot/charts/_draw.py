"""The figures, drawn from the core's chart records (``bot.core.charts``). Imports matplotlib.

A small palette that reads on light and dark chat themes: a transparent background, mid-grey text
and frames, and the colour-blind-safe ``viridis`` for scores (dark = low, yellow = high); empty cells
are a faint grey, so gaps show. Only the Agg canvas is used (``FigureCanvasAgg`` on a bare
``Figure``): no pyplot, so no backend is chosen and nothing global is touched.
"""

from __future__ import annotations

import io
import math
from datetime import timedelta

from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from bot.core.charts import Grid, PersonalChart, TeamChart

TEXT = "#8b949e"
"""Mid grey: readable on white and on near-black."""
EMPTY = "#8b949e40"
PRACTISED = "#2ea043"
SCORES = colormaps["viridis"]
DPI = 100
PERSONAL_SIZE = (11.0, 8.0)
TEAM_SIZE = (11.0, 6.0)
DAYS = ("Mon", "", "Wed", "", "Fri", "", "Sun")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _style(ax: Axes) -> None:
    ax.tick_params(colors=TEXT, labelsize=8, length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)


def _figure(size: tuple[float, float]) -> Figure:
    figure = Figure(figsize=size, dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def calendar_cells(chart: PersonalChart) -> list[list[float]]:
    """7 rows (Mon..Sun) x weeks: 1 practised, 0 not, NaN after the last day."""
    weeks = (chart.last_day - chart.first_day).days // 7 + 1
    cells = [[math.nan] * weeks for _ in range(7)]
    for offset in range(weeks * 7):
        day = chart.first_day + timedelta(days=offset)
        if day <= chart.last_day:
            cells[offset % 7][offset // 7] = 1.0 if day in chart.practice_days else 0.0
    return cells


def _grid(ax: Axes, grid: Grid, *, annotate: bool) -> None:
    means = [[math.nan if value is None else value for value in row] for row in grid.means]
    cmap = SCORES.with_extremes(bad=EMPTY)
    image = ax.imshow(means, cmap=cmap, vmin=0, vmax=10, aspect="auto", interpolation="nearest")
    ax.set_yticks(range(len(grid.rows)), labels=[row[:28] for row in grid.rows])
    step = max(1, len(grid.columns) // 13)
    ax.set_xticks(range(0, len(grid.columns), step), labels=list(grid.columns[::step]))
    ax.set_title(grid.title, loc="left", fontsize=10, color=TEXT)
    _style(ax)
    if annotate:
        for y, counts in enumerate(grid.counts):
            for x, count in enumerate(counts):
                if count:
                    shade = grid.means[y][x] or 0
                    ax.text(x, y, str(count), ha="center", va="center", fontsize=7,
                            color="black" if shade > 6 else "white")
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.025, pad=0.01)
    bar.ax.tick_params(colors=TEXT, labelsize=7, length=0)
    bar.outline.set_visible(False)


def personal_figure(chart: PersonalChart) -> Figure:
    figure = _figure(PERSONAL_SIZE)
    figure.suptitle(chart.title, color=TEXT, x=0.01, ha="left", fontsize=13)
    calendar, scores, weakest = figure.subplots(3, 1, height_ratios=[1.1, 2.6, 1.6])
    calendar.set_gid("calendar")
    scores.set_gid("scores")
    weakest.set_gid("weakest")
    cells = calendar_cells(chart)
    calendar.imshow(cells, cmap=ListedColormap([EMPTY, PRACTISED]).with_extremes(bad="#00000000"), vmin=0, vmax=1,
                    aspect="auto", interpolation="nearest")
    calendar.set_yticks(range(7), labels=list(DAYS))
    weeks = len(cells[0])
    calendar.set_xticks(range(0, weeks, 4),
                        labels=[(chart.first_day + timedelta(weeks=w)).strftime("%d %b") for w in range(0, weeks, 4)])
    calendar.set_title(f"Practice days: {len(chart.practice_days)} in {weeks} weeks", loc="left", fontsize=10,
                       color=TEXT)
    _style(calendar)
    _grid(scores, chart.scores, annotate=False)
    lines: list[str] = []
    for weak in chart.weakest:
        lines.append(f"{weak.section}. {weak.title}: {weak.mean:.1f}/10 ({weak.answers} scored)")
        lines.extend(f"     missed {times}x: {_cut(text, 95)}" for text, times in weak.missed)
    _panel(weakest, "Weakest sections", lines, empty="nothing scored yet", fontsize=8.5)
    figure.subplots_adjust(left=0.2, right=0.97, top=0.92, bottom=0.02, hspace=0.35)
    return figure


def team_figure(chart: TeamChart) -> Figure:
    figure = _figure(TEAM_SIZE)
    figure.suptitle(chart.title, color=TEXT, x=0.01, ha="left", fontsize=13)
    coverage, improved = figure.subplots(1, 2, width_ratios=[4, 1.2])
    coverage.set_gid("coverage")
    improved.set_gid("improved")
    _grid(coverage, chart.coverage, annotate=True)
    _panel(improved, "Most improved",
           [f"{i.name[:22]}\n  {i.before:.1f} → {i.after:.1f} (+{i.gain:.1f})" for i in chart.improved],
           empty="nobody yet", fontsize=9)
    figure.subplots_adjust(left=0.2, right=0.98, top=0.88, bottom=0.1, wspace=0.1)
    return figure


def _panel(axes: Axes, heading: str, lines: list[str], *, empty: str, fontsize: float) -> None:
    """A text panel beside a chart: a heading, then ``lines`` (or ``empty`` when there are none)."""
    axes.axis("off")
    text = "\n".join([heading, *(lines or [empty])])
    axes.text(0, 1, text, va="top", ha="left", fontsize=fontsize, color=TEXT, transform=axes.transAxes)


def png(figure: Figure) -> bytes:
    out = io.BytesIO()
    # Fast zlib level: these PNGs are ~100 KiB either way, and the highest level costs tens of ms per picture.
    figure.savefig(out, format="png", transparent=True, pil_kwargs={"compress_level": 1})
    return out.getvalue()
