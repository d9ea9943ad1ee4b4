"""Indexes for the week and month boards on days with few live streaks.

Revision ID: 0002
Revises: 0001
Create Date: 2026-03-20

``bot.storage.leaderboard.window_resting_query`` reads this week's or month's resting members
by longest streak: one backward range on these instead of sorting every member of the window.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_member_board_week", "member",
                    ["platform", "workspace", "week_start", "longest_streak", "total_days"])
    op.create_index("ix_member_board_month", "member",
                    ["platform", "workspace", "month_start", "longest_streak", "total_days"])


def downgrade() -> None:
    op.drop_index("ix_member_board_month", table_name="member")
    op.drop_index("ix_member_board_week", table_name="member")
