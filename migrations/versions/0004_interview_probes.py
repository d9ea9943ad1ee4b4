"""Follow-up probes and levels for mock interviews.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

``interview.probe_at`` is when a follow-up may be asked (the candidate's pause after an answer);
it joins ``due_at``, so the tick finds due probes on the same index as deadlines and nudges.
``probes_asked`` counts this phase's follow-ups, ``probed`` lists the items already asked about;
``level`` (mid / senior / staff) and ``quiet`` (no probes) are chosen when the interview starts.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("interview", sa.Column("level", sa.String(8), server_default="senior", nullable=False))
    op.add_column("interview", sa.Column("quiet", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("interview", sa.Column("probe_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("interview", sa.Column("probes_asked", sa.Integer(), server_default=sa.text("0"), nullable=False))
    op.add_column("interview", sa.Column("probed", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("interview") as batch:
        for column in ("probed", "probes_asked", "probe_at", "quiet", "level"):
            batch.drop_column(column)
