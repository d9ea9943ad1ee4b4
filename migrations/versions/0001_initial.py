"""Initial schema: channels, members and streaks, prompts, interviews, answers, scores, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-03-01

Written by hand from ``bot/storage/models.py``; ``tests/storage/test_migrations.py``
checks that the two agree on SQLite and PostgreSQL. Datetimes are ``timestamptz`` on
PostgreSQL; the models' ``UtcDateTime`` keeps them aware UTC on SQLite too. This file
does not import the models, so later changes to them cannot rewrite history.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 64-bit ids on PostgreSQL; SQLite only auto-increments an INTEGER PRIMARY KEY.
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ZERO = sa.text("0")
EMPTY = sa.text("''")


def _id() -> sa.Column[int]:
    return sa.Column("id", Id, primary_key=True)


def upgrade() -> None:
    op.create_table(
        "channel",
        _id(),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("workspace", sa.String(), server_default=EMPTY, nullable=False),
        sa.Column("external_id", sa.String(), nullable=False),
        sa.Column("local_time", sa.Time(), nullable=True),
        sa.Column("timezone", sa.String(), nullable=True),
        sa.Column("weekdays", sa.String(16), nullable=True),
        sa.Column("enabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("next_prompt_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_channel"),
        sa.UniqueConstraint("platform", "workspace", "external_id", name="uq_channel_platform_workspace_external_id"),
    )
    op.create_index("ix_channel_due", "channel", ["enabled", "next_prompt_at"])

    op.create_table(
        "member",
        _id(),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("workspace", sa.String(), server_default=EMPTY, nullable=False),
        sa.Column("external_id", sa.String(), nullable=False),
        sa.Column("display_name", sa.String(), server_default=EMPTY, nullable=False),
        sa.Column("timezone", sa.String(), nullable=True),
        sa.Column("current_streak", sa.Integer(), server_default=ZERO, nullable=False),
        sa.Column("longest_streak", sa.Integer(), server_default=ZERO, nullable=False),
        sa.Column("total_days", sa.Integer(), server_default=ZERO, nullable=False),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.Column("week_start", sa.Date(), nullable=True),
        sa.Column("week_days", sa.Integer(), server_default=ZERO, nullable=False),
        sa.Column("month_start", sa.Date(), nullable=True),
        sa.Column("month_days", sa.Integer(), server_default=ZERO, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_member"),
        sa.UniqueConstraint("platform", "workspace", "external_id", name="uq_member_platform_workspace_external_id"),
    )
    op.create_index(
        "ix_member_board_live",
        "member",
        ["platform", "workspace", "last_day", "current_streak", "longest_streak", "total_days"],
    )
    op.create_index(
        "ix_member_board_longest",
        "member",
        ["platform", "workspace", "longest_streak", "total_days"],
    )

    op.create_table(
        "practice_day",
        _id(),
        sa.Column("member_id", Id, nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_practice_day"),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name="fk_practice_day_member_id_member", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("member_id", "local_date", name="uq_practice_day_member_id_local_date"),
    )

    op.create_table(
        "daily_prompt",
        _id(),
        sa.Column("channel_id", Id, nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("section", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.String(), nullable=False),
        sa.Column("item_id", sa.String(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message_ref", sa.Text(), nullable=True),
        sa.Column("thread_ref", sa.Text(), nullable=True),
        sa.Column("thread_key", sa.String(), nullable=True),
        sa.Column("message_key", sa.String(), nullable=True),
        sa.Column("closed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_daily_prompt"),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channel.id"], name="fk_daily_prompt_channel_id_channel", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("channel_id", "local_date", name="uq_daily_prompt_channel_id_local_date"),
    )
    op.create_index("ix_daily_prompt_due", "daily_prompt", ["closed", "closes_at"])
    op.create_index("ix_daily_prompt_thread_key", "daily_prompt", ["thread_key"])
    op.create_index("ix_daily_prompt_message_key", "daily_prompt", ["message_key"])

    op.create_table(
        "interview",
        _id(),
        sa.Column("channel_id", Id, nullable=False),
        sa.Column("candidate_id", Id, nullable=False),
        sa.Column("scenario_id", sa.String(), nullable=False),
        sa.Column("total_minutes", sa.Integer(), nullable=False),
        sa.Column("phases", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("phase_index", sa.Integer(), server_default=ZERO, nullable=False),
        sa.Column("phase_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("phase_deadline_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("nudge_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("nudged", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hints_used", sa.JSON(), nullable=False),
        sa.Column("skipped", sa.JSON(), nullable=False),
        sa.Column("thread_ref", sa.Text(), nullable=True),
        sa.Column("thread_key", sa.String(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_interview"),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channel.id"], name="fk_interview_channel_id_channel", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["member.id"], name="fk_interview_candidate_id_member", ondelete="CASCADE"
        ),
        sa.CheckConstraint("status IN ('active', 'finished', 'ended')", name="ck_interview_status"),
    )
    op.create_index("ix_interview_due_at", "interview", ["due_at"])
    op.create_index("ix_interview_candidate_id_status", "interview", ["candidate_id", "status"])
    op.create_index("ix_interview_thread_key", "interview", ["thread_key"])
    # One running interview per candidate, enforced by the database (two commands at once).
    op.create_index(
        "uq_interview_one_active", "interview", ["candidate_id"], unique=True,
        sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"),
    )

    op.create_table(
        "answer",
        _id(),
        sa.Column("member_id", Id, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("event_key", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("message_ref", sa.Text(), nullable=True),
        sa.Column("prompt_id", Id, nullable=True),
        sa.Column("interview_id", Id, nullable=True),
        sa.Column("phase_index", sa.Integer(), nullable=True),
        sa.Column("withdrawn", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_answer"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name="fk_answer_member_id_member", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["prompt_id"], ["daily_prompt.id"], name="fk_answer_prompt_id_daily_prompt", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["interview_id"], ["interview.id"], name="fk_answer_interview_id_interview", ondelete="SET NULL"
        ),
        sa.UniqueConstraint("event_key", name="uq_answer_event_key"),
    )
    op.create_index("ix_answer_member_id_local_date", "answer", ["member_id", "local_date"])
    op.create_index("ix_answer_prompt_id", "answer", ["prompt_id"])
    op.create_index("ix_answer_interview_id_phase_index", "answer", ["interview_id", "phase_index"])

    op.create_table(
        "score",
        _id(),
        sa.Column("answer_id", Id, nullable=True),
        sa.Column("interview_id", Id, nullable=True),
        sa.Column("phase_index", sa.Integer(), nullable=True),
        sa.Column("section", sa.Integer(), nullable=False),
        sa.Column("scorer", sa.String(16), nullable=False),
        sa.Column("model", sa.String(), server_default=EMPTY, nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("verdicts", sa.JSON(), nullable=False),
        sa.Column("feedback", sa.Text(), nullable=False),
        sa.Column("follow_up", sa.Text(), server_default=EMPTY, nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), server_default=ZERO, nullable=False),
        sa.Column("completion_tokens", sa.Integer(), server_default=ZERO, nullable=False),
        sa.Column("fallback_reason", sa.Text(), server_default=EMPTY, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_score"),
        sa.ForeignKeyConstraint(["answer_id"], ["answer.id"], name="fk_score_answer_id_answer", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["interview_id"], ["interview.id"], name="fk_score_interview_id_interview", ondelete="CASCADE"
        ),
        sa.CheckConstraint("scorer IN ('offline', 'llm')", name="ck_score_scorer"),
    )
    op.create_index("ix_score_interview_id_phase_index", "score", ["interview_id", "phase_index"])
    op.create_index("ix_score_answer_id", "score", ["answer_id"])

    op.create_table(
        "outbox",
        _id(),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("dedupe_key", sa.String(), nullable=False),
        sa.Column("payload", sa.Text(), server_default=EMPTY, nullable=False),
        sa.Column("subject_id", Id, nullable=True),
        sa.Column("state", sa.String(16), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=ZERO, nullable=False),
        sa.Column("available_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_ref", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("dedupe_key", name="uq_outbox_dedupe_key"),
        sa.CheckConstraint("state IN ('pending', 'sending', 'sent', 'dead')", name="ck_outbox_state"),
    )
    op.create_index("ix_outbox_state_id", "outbox", ["state", "id"])

    op.create_table(
        "processed_event",
        _id(),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("event_key", sa.String(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_processed_event"),
        sa.UniqueConstraint("platform", "event_key", name="uq_processed_event_platform_event_key"),
    )
    op.create_index("ix_processed_event_seen_at", "processed_event", ["seen_at"])


def downgrade() -> None:
    for table in ("processed_event", "outbox", "score", "answer", "interview", "daily_prompt", "practice_day",
                  "member", "channel"):
        op.drop_table(table)
