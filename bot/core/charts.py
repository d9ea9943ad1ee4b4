"""What a chart shows, as plain data: the series the core computed, handed to the ``Charts`` port.

The core never draws: it fills these records (``bot.core.progress.stats``) and asks the port
(``bot.core.ports.Charts``) for a PNG; ``bot.charts`` draws them with matplotlib. A record
holds everything the picture shows, so the text fallback and the picture carry the same facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class Grid:
    """A heatmap: ``rows`` (sections) x ``columns`` (days or weeks); ``None`` where nothing was scored."""

    title: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    means: tuple[tuple[float | None, ...], ...]
    """Mean score (0-10) per cell, one tuple per row."""
    counts: tuple[tuple[int, ...], ...]
    """Scored answers per cell, one tuple per row."""


@dataclass(frozen=True, slots=True)
class Weakness:
    """One of a member's weakest sections, with the checklist points they miss most."""

    section: int
    title: str
    mean: float
    answers: int
    missed: tuple[tuple[str, int], ...]
    """(checklist item text, times missed), most missed first."""


@dataclass(frozen=True, slots=True)
class PersonalChart:
    """``/practice stats``: a practice calendar, scores per section over time, the weakest sections."""

    title: str
    first_day: date
    """A Monday: the calendar's first column starts here."""
    last_day: date
    practice_days: frozenset[date]
    scores: Grid
    weakest: tuple[Weakness, ...]


@dataclass(frozen=True, slots=True)
class Improvement:
    name: str
    before: float
    after: float

    @property
    def gain(self) -> float:
        return self.after - self.before


@dataclass(frozen=True, slots=True)
class TeamChart:
    """``/practice team``: coverage of sections over the window, and who improved most."""

    title: str
    coverage: Grid
    improved: tuple[Improvement, ...]
