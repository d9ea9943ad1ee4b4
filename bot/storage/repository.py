"""``SqlStore``: every capability's ports on SQLAlchemy (SQLite or PostgreSQL).

Each method is one transaction. The parts mirror the core's capabilities, a module each,
each checked by mypy against the Protocols it implements:

* ``members``: members and channels (``bot.core.members``)
* ``progress``: answers, practice days and streak updates, stored streaks; ``leaderboard``: the
  ranked board (index seeks only; read its module doc) (``bot.core.progress``)
* ``prompts``: channel schedules and daily prompts, claimed per channel and local date, closed
  once (``bot.core.prompts``)
* ``interviews``: interviews (versioned transitions), their answers and score cards
  (``bot.core.interviews``)
* ``pairing``: weekly pairing, its rounds (claimed once) and pairs (``bot.core.pairing``)
* ``pauses``: members' pauses (``bot.core.members``; the streak rules read them)
* ``peers``: peer mocks' marks and the interviewer's note (``bot.core.peers``)
* ``scores``: score cards and LLM usage (``bot.core.scoring``)
* ``stats``: scored answers per member, channel or workspace, and practice days (``bot.core.progress``)
* ``drills``: personal prompts, found by their thread, and their answers (``bot.core.prompts``)
* ``history``: a member's whole history in one read, for history and export (``bot.core.progress``)
* ``outbox``: the outbox (``bot.core.outbox``); ``inbox``: inbound items before their ack
  (``bot.core.inbox``); ``events``: inbound idempotency (``bot.core.events``);
  ``leases``: who holds a claim (``bot.core.leases``)

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

from bot.storage.drills import DrillQueries
from bot.storage.events import EventQueries
from bot.storage.history import HistoryQueries
from bot.storage.inbox import InboxQueries
from bot.storage.interviews import InterviewQueries
from bot.storage.leases import LeaseQueries
from bot.storage.members import MemberQueries
from bot.storage.operations import OperationsQueries
from bot.storage.outbox import OutboxQueries
from bot.storage.pairing import PairingQueries
from bot.storage.pauses import PauseQueries
from bot.storage.peers import PeerQueries
from bot.storage.progress import ProgressQueries
from bot.storage.prompts import PromptQueries
from bot.storage.stats import StatsQueries

if TYPE_CHECKING:
    from bot.core.service import Store

log = logging.getLogger(__name__)


class SqlStore(PeerQueries, MemberQueries, ProgressQueries, PromptQueries, InterviewQueries, OutboxQueries,
               EventQueries, InboxQueries, LeaseQueries, OperationsQueries, StatsQueries, DrillQueries,
               HistoryQueries, PauseQueries, PairingQueries):
    """Every port over one async engine: ``SqlStore(create_engine(url))``; ``await close()``."""


if TYPE_CHECKING:
    def _conforms(store: SqlStore) -> Store:
        return store  # mypy checks here that SqlStore implements every Store method as declared
