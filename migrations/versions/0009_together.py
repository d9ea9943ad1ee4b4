"""Pauses for members and channels; weekly pairing.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

``member_pause`` keeps each ``/practice pause`` (local dates, both ends included); paused days neither
extend nor break a streak. ``channel.skipped_dates`` and ``channel.paused_until`` keep the days a
channel's admins took out of its daily prompt schedule. ``pairing`` is a channel's weekly pairing,
``pairing_member`` who joined it, ``pairing_round`` each week's round (unique per pairing and local date:
the claim) with its reminder, ``pairing_pair`` the round's pairs and trios.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
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
    op.create_table(
        "pairing",
        sa.Column("id", ID, nullable=False),
        sa.Column("channel_id", ID, sa.ForeignKey("channel.id", ondelete="CASCADE",
                                                  name="fk_pairing_channel_id_channel"), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("local_time", sa.Time(), nullable=False),
        sa.Column("timezone", sa.String(), nullable=False),
        sa.Column("odd_policy", sa.String(16), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("next_round_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_pairing"),
        sa.UniqueConstraint("channel_id", name="uq_pairing_channel_id"),
    )
    op.create_index("ix_pairing_due", "pairing", ["enabled", "next_round_at"])
    op.create_table(
        "pairing_round",
        sa.Column("id", ID, nullable=False),
        sa.Column("pairing_id", ID, sa.ForeignKey("pairing.id", ondelete="CASCADE",
                                                  name="fk_pairing_round_pairing_id_pairing"), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remind_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_pairing_round"),
        sa.UniqueConstraint("pairing_id", "local_date", name="uq_pairing_round_pairing_id_local_date"),
    )
    op.create_index("ix_pairing_round_reminder", "pairing_round", ["reminded", "remind_at"])
    op.create_table(
        "pairing_member",
        sa.Column("id", ID, nullable=False),
        sa.Column("pairing_id", ID, sa.ForeignKey("pairing.id", ondelete="CASCADE",
                                                  name="fk_pairing_member_pairing_id_pairing"), nullable=False),
        sa.Column("member_id", ID, sa.ForeignKey("member.id", ondelete="CASCADE",
                                                 name="fk_pairing_member_member_id_member"), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("odd_times", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_odd_round_id", ID, sa.ForeignKey("pairing_round.id", ondelete="SET NULL",
                                                         name="fk_pairing_member_last_odd_round_id_pairing_round"),
                  nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_pairing_member"),
        sa.UniqueConstraint("pairing_id", "member_id", name="uq_pairing_member_pairing_id_member_id"),
    )
    op.create_table(
        "pairing_pair",
        sa.Column("id", ID, nullable=False),
        sa.Column("round_id", ID, sa.ForeignKey("pairing_round.id", ondelete="CASCADE",
                                                name="fk_pairing_pair_round_id_pairing_round"), nullable=False),
        sa.Column("first_id", ID, sa.ForeignKey("member.id", ondelete="CASCADE",
                                                name="fk_pairing_pair_first_id_member"), nullable=False),
        sa.Column("second_id", ID, sa.ForeignKey("member.id", ondelete="CASCADE",
                                                 name="fk_pairing_pair_second_id_member"), nullable=False),
        sa.Column("third_id", ID, sa.ForeignKey("member.id", ondelete="CASCADE",
                                                name="fk_pairing_pair_third_id_member"), nullable=True),
        sa.Column("scenario_id", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_pairing_pair"),
    )
    op.create_index("ix_pairing_pair_round_id", "pairing_pair", ["round_id"])


def downgrade() -> None:
    op.drop_index("ix_pairing_pair_round_id", table_name="pairing_pair")
    op.drop_table("pairing_pair")
    op.drop_table("pairing_member")
    op.drop_index("ix_pairing_round_reminder", table_name="pairing_round")
    op.drop_table("pairing_round")
    op.drop_index("ix_pairing_due", table_name="pairing")
    op.drop_table("pairing")
    op.drop_index("ix_member_pause_last_day", table_name="member_pause")
    op.drop_index("ix_member_pause_member_id_last_day", table_name="member_pause")
    op.drop_table("member_pause")
    with op.batch_alter_table("channel") as batch:
        batch.drop_column("paused_until")
        batch.drop_column("skipped_dates")
