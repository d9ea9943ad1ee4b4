"""Drills: a personal prompt from the member's weakest section, in a thread of its own.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

``drill`` keeps each ``/practice drill`` (member, where it was asked, the section, scenario, checklist
item and question, its thread); ``answer.drill_id`` names the drill an answer was written in (SET NULL
if the drill goes; forget-me deletes both with the member).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "drill",
        sa.Column("id", ID, primary_key=True),
        sa.Column("member_id", ID, sa.ForeignKey("member.id", ondelete="CASCADE", name="fk_drill_member_id_member"),
                  nullable=False),
        sa.Column("channel_id", ID, sa.ForeignKey("channel.id", ondelete="CASCADE",
                                                   name="fk_drill_channel_id_channel"), nullable=False),
        sa.Column("section", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.String(), nullable=False),
        sa.Column("item_id", sa.String(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("thread_ref", sa.Text(), nullable=False),
        sa.Column("thread_key", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_drill"),
    )
    op.create_index("ix_drill_thread_key", "drill", ["thread_key"])
    op.create_index("ix_drill_member_id_created_at", "drill", ["member_id", "created_at"])
    with op.batch_alter_table("answer") as batch:
        batch.add_column(sa.Column("drill_id", ID, nullable=True))
        batch.create_foreign_key("fk_answer_drill_id_drill", "drill", ["drill_id"], ["id"], ondelete="SET NULL")
        batch.create_index("ix_answer_drill_id", ["drill_id"])


def downgrade() -> None:
    with op.batch_alter_table("answer") as batch:
        batch.drop_index("ix_answer_drill_id")
        batch.drop_constraint("fk_answer_drill_id_drill", type_="foreignkey")
        batch.drop_column("drill_id")
    op.drop_index("ix_drill_member_id_created_at", table_name="drill")
    op.drop_index("ix_drill_thread_key", table_name="drill")
    op.drop_table("drill")
