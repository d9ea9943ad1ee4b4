"""What an operator reads: outbox rows by state, live interviews, whether the schema is at head.

Read at scrape time (``/metrics``) and by ``/readyz``; each is one short read. These are fleet-wide
numbers (every replica shares the database), so every replica reports the same gauges.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select, text

from bot.observability.ports import OperationsSnapshot
from bot.storage.base import StoreBase
from bot.storage.database import script_heads
from bot.storage.models import Interview, Outbox

if TYPE_CHECKING:
    from bot.observability.ports import OperationsStore

OUTBOX_STATES = ("pending", "sending", "sent", "dead")


class OperationsQueries(StoreBase):
    async def operations_snapshot(self) -> OperationsSnapshot:
        async with self._read() as session:
            unsent = select(Outbox.state, func.count()).where(Outbox.state != "sent").group_by(Outbox.state)
            by_state = {str(state): int(rows) for state, rows in (await session.execute(unsent)).all()}
            live = (await session.execute(
                select(func.count()).select_from(Interview).where(Interview.status == "active"))).scalar_one()
        return OperationsSnapshot(outbox={state: int(by_state.get(state, 0)) for state in OUTBOX_STATES
                                          if state != "sent"},
                                  live_interviews=int(live))

    async def schema_problem(self) -> str | None:
        """``None`` when the database answers and its revision is the scripts' head; else why not."""
        try:
            async with self.engine.connect() as connection:
                rows = (await connection.execute(text("SELECT version_num FROM alembic_version"))).all()
        except Exception as exc:
            return f"database unreachable ({type(exc).__name__})"
        current = {str(row[0]) for row in rows}
        heads = script_heads()
        if current != heads:
            return f"migrations not at head (database {sorted(current)}, code {sorted(heads)})"
        return None


if TYPE_CHECKING:
    def _conforms(queries: OperationsQueries) -> OperationsStore:
        return queries  # mypy checks that the queries implement the port as declared
