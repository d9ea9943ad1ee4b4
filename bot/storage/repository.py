"""``SqlStore``: the core's ``Store`` port on SQLAlchemy (SQLite or PostgreSQL).

Each method is one transaction. The parts live in their own modules, one per concern:

* ``members``: members, channels and schedules, stored streaks
* ``leaderboard``: the ranked board (index seeks only; read its module doc)
* ``prompts``: daily prompts (claimed per channel and local date, closed once)
* ``interviews``: interviews (versioned transitions)
* ``answers``: answers, practice days and streak updates, scores, usage
* ``outbox``: the outbox and inbound event idempotency

Claims are conditional writes only one process can win: an ``INSERT`` that meets a
unique key (``ON CONFLICT DO NOTHING``) or an ``UPDATE ... WHERE`` on the expected
value, state or version. The winner's outbox rows go in the same transaction. On
SQLite every writing transaction starts with ``BEGIN IMMEDIATE`` (see
``bot.storage.database``); on PostgreSQL, at READ COMMITTED, a losing ``UPDATE``
waits for the winner's commit, re-reads the row and no longer matches.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.storage.answers import AnswerQueries
from bot.storage.interviews import InterviewQueries
from bot.storage.leaderboard import LeaderboardQueries
from bot.storage.members import MemberQueries
from bot.storage.outbox import OutboxQueries
from bot.storage.prompts import PromptQueries

if TYPE_CHECKING:
    from bot.core.ports import Store

log = logging.getLogger(__name__)


class SqlStore(MemberQueries, LeaderboardQueries, PromptQueries, InterviewQueries, AnswerQueries, OutboxQueries):
    """The ``Store`` port over one async engine: ``SqlStore(create_engine(url))``; ``await close()``."""


if TYPE_CHECKING:
    def _conforms(store: SqlStore) -> Store:
        return store  # mypy checks here that SqlStore implements every Store method as declared
