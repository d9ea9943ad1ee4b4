"""The inbox: every inbound item, written before its ack, applied under a lease, done with its effect.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

One row per platform item (``UNIQUE (platform, item_key)``: a redelivery meets it). ``state`` is
``applying`` until the transaction that makes the item's effect marks it ``done``; ``lease_id``
names the process applying it, so a row whose lease expired is taken up again (``bot.core.inbox``).
``workspace`` and ``member`` say whose item it is, for forget-me.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("id", Id, primary_key=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("item_key", sa.String(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("order_key", sa.String(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("workspace", sa.String(), server_default=sa.text("''"), nullable=False),
        sa.Column("member", sa.String(), server_default=sa.text("''"), nullable=False),
        sa.Column("state", sa.String(16), server_default="applying", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("lease_id", Id, nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_inbox"),
        sa.UniqueConstraint("platform", "item_key", name="uq_inbox_platform_item_key"),
        sa.CheckConstraint("state IN ('applying', 'done')", name="ck_inbox_state"),
    )
    op.create_index("ix_inbox_state_id", "inbox", ["state", "id"])
    op.create_index("ix_inbox_member", "inbox", ["platform", "workspace", "member"])


def downgrade() -> None:
    op.drop_table("inbox")
