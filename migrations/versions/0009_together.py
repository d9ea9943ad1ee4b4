"""Pauses for members and channels; weekly pairing.

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-02

``member_pause`` keeps each ``/practice pause`` (local dates, both ends included); paused days neither
extend nor break a streak. ``channel.skipped_dates`` and ``channel.paused_until`` keep the days a
channel's admins took out of its daily prompt schedule.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("channel") as batch:
        batch.add_column(sa.Column("skipped_dates", sa.String(1000), nullable=True))
        batch.add_column(sa.Column("paused_until", sa.Date(), nullable=True))
    op.create_table(
        "member_pause",
        sa.Column("id", ID, nullable=False),
        sa.Column("member_id", ID, sa.ForeignKey("member.id", ondelete="CASCADE",
                                                 name="fk_member_pause_member_id_member"), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_member_pause"),
    )
    op.create_index("ix_member_pause_member_id_last_day", "member_pause", ["member_id", "last_day"])
    op.create_index("ix_member_pause_last_day", "member_pause", ["last_day"])


def downgrade() -> None:
    op.drop_index("ix_member_pause_last_day", table_name="member_pause")
    op.drop_index("ix_member_pause_member_id_last_day", table_name="member_pause")
    op.drop_table("member_pause")
    with op.batch_alter_table("channel") as batch:
        batch.drop_column("paused_until")
        batch.drop_column("skipped_dates")
