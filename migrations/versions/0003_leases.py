"""Leases: each running process holds one; an outbox claim names the lease it was made under.
Also the index that keeps a thread's rows in order behind one waiting for its retry.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

A claim whose lease has expired (its process stopped renewing it) or is gone is free for anyone
at once, instead of after a fixed stale window (``bot.core.leases``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "lease",
        sa.Column("id", Id, primary_key=True),
        sa.Column("holder", sa.String(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lease"),
    )
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("lease_id", Id, nullable=True))
    waiting = sa.text("state = 'pending' AND available_at IS NOT NULL")
    op.create_index("ix_outbox_retry_target", "outbox", ["target", "id"],
                    sqlite_where=waiting, postgresql_where=waiting)


def downgrade() -> None:
    op.drop_index("ix_outbox_retry_target", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("lease_id")
    op.drop_table("lease")
