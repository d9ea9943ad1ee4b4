"""Peer mock interviews (the interviewer, the time they added, their note and marks); a member's own timezone.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-02

``interview.interviewer_id`` names the teammate who interviews (NULL: the bot alone; SET NULL when
the interviewer is forgotten), ``extended`` the phases they added time to, ``interviewer_note``
their note for the scorecard. ``peer_mark`` keeps one mark per checklist item of a peer mock
(covered / partial / missing), changed in place until the scorecard. ``member.chosen_timezone`` is
the zone a member chose with ``/practice timezone`` (it wins over the platform's).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("member", sa.Column("chosen_timezone", sa.String(), nullable=True))
    with op.batch_alter_table("interview") as batch:
        batch.add_column(sa.Column("interviewer_id", ID, nullable=True))
        batch.add_column(sa.Column("extended", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("interviewer_note", sa.Text(), nullable=True))
        batch.create_foreign_key("fk_interview_interviewer_id_member", "member", ["interviewer_id"], ["id"],
                                 ondelete="SET NULL")
    op.create_table(
        "peer_mark",
        sa.Column("id", ID, primary_key=True),
        sa.Column("interview_id", ID, sa.ForeignKey("interview.id", ondelete="CASCADE",
                                                     name="fk_peer_mark_interview_id_interview"), nullable=False),
        sa.Column("phase_index", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(), nullable=False),
        sa.Column("mark", sa.String(16), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("mark IN ('covered', 'partial', 'missing')", name="ck_peer_mark_mark"),
        sa.PrimaryKeyConstraint("id", name="pk_peer_mark"),
        sa.UniqueConstraint("interview_id", "item_id", name="uq_peer_mark_interview_id_item_id"),
    )


def downgrade() -> None:
    with op.batch_alter_table("member") as batch:
        batch.drop_column("chosen_timezone")
    op.drop_table("peer_mark")
    with op.batch_alter_table("interview") as batch:
        batch.drop_constraint("fk_interview_interviewer_id_member", type_="foreignkey")
        for column in ("interviewer_note", "extended", "interviewer_id"):
            batch.drop_column(column)
