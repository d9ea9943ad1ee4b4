"""The progress capability: practice and what it adds up to.

Owns answers as practice (each counts toward its author's streak, on their own day), the
streak rules, streaks and the leaderboard, and stats as pictures (``Stats``: ``/practice stats``,
``/practice team``), history and export (``History``: ``/practice history``, ``/practice export``).
"""

from bot.core.progress._history import ExportFormat, History
from bot.core.progress._home import Home
from bot.core.progress._home_texts import HOME_DRILL, HOME_STATS
from bot.core.progress._practice import Practice
from bot.core.progress._standings import Standings
from bot.core.progress._stats import Stats
from bot.core.progress.store import HistoryStore, PracticeStore, StandingsStore, StatsStore

__all__ = [
           "HOME_DRILL",
           "HOME_STATS",
           "ExportFormat",
           "History",
           "HistoryStore",
           "Home",
           "Practice",
           "PracticeStore",
           "Standings",
           "StandingsStore",
           "Stats",
           "StatsStore",
]
