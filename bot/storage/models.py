"""SQLAlchemy models: the tables behind ``SqlStore``.

Every datetime column is an aware UTC ``datetime`` in Python (``UtcDateTime``), also on
SQLite, which has no timezone type. Refs are stored as their ``serialise()`` text; rows
looked up by thread or root message carry a short key (``thread_key``/``message_key``,
see ``bot.storage.mapping``) so the lookup is an index seek, not a JSON scan.

The migrations (``migrations/versions/``) are written by hand from these models;
``tests/storage/test_migrations.py`` fails if the two ever disagree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy import (
    text as sql_text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

EMPTY = sql_text("''")

Id = BigInteger().with_variant(Integer(), "sqlite")
"""64-bit ids on PostgreSQL; SQLite only auto-increments an ``INTEGER PRIMARY KEY``."""


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend.

    PostgreSQL stores ``timestamptz``. SQLite has no timezone type, so the value is
    stored as naive UTC text (fixed width, so comparisons in SQL stay correct) and
    comes back with ``tzinfo=UTC``. Naive datetimes are refused: their meaning is a guess.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: storage takes timezone-aware datetimes only")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {  # noqa: RUF012 (SQLAlchemy reads this class attribute)
        datetime: UtcDateTime(),
        date: Date(),
        time: Time(),
        str: String(),
        int: Integer(),
        bool: Boolean(),
        float: Double(),
    }


class Channel(Base):
    __tablename__ = "channel"
    __table_args__ = (
        UniqueConstraint("platform", "workspace", "external_id"),
        # due_channels: WHERE enabled AND next_prompt_at <= now
        Index("ix_channel_due", "enabled", "next_prompt_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(server_default=EMPTY)
    external_id: Mapped[str]
    local_time: Mapped[time | None]
    timezone: Mapped[str | None]
    weekdays: Mapped[str | None] = mapped_column(String(16))
    """Comma-separated weekday numbers, 0 = Monday (``"0,1,2,3,4"``)."""
    enabled: Mapped[bool] = mapped_column(server_default=false())
    next_prompt_at: Mapped[datetime | None]
    skipped_dates: Mapped[str | None] = mapped_column(String(1000))
    """Comma-separated ISO local dates with no prompt (``/practice schedule skip``), future ones only."""
    paused_until: Mapped[date | None]
    """No prompt on local dates up to and including this one (``/practice schedule pause until``)."""


class Member(Base):
    """A person, with their streak kept incrementally (``bot.core.progress.rules.StreakState``)."""

    __tablename__ = "member"
    __table_args__ = (
        UniqueConstraint("platform", "workspace", "external_id"),
        # The leaderboard reads both indexes backwards (every sort key is DESC, so plain
        # ascending indexes serve it on SQLite and PostgreSQL alike; see bot.storage.leaderboard).
        # Live streaks: one seek per live day, rows already in rank order.
        Index("ix_member_board_live", "platform", "workspace", "last_day", "current_streak", "longest_streak",
              "total_days"),
        # 'all' board, members without a live streak: by longest streak, then days.
        Index("ix_member_board_longest", "platform", "workspace", "longest_streak", "total_days"),
        # 'week'/'month' boards with few live members: this window's members by longest streak, then days.
        Index("ix_member_board_week", "platform", "workspace", "week_start", "longest_streak", "total_days"),
        Index("ix_member_board_month", "platform", "workspace", "month_start", "longest_streak", "total_days"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(server_default=EMPTY)
    external_id: Mapped[str]
    display_name: Mapped[str] = mapped_column(server_default=EMPTY)
    timezone: Mapped[str | None]
    """What the platform tells (Slack's profile), refreshed as it changes."""
    chosen_timezone: Mapped[str | None]
    """What the member chose with ``/practice timezone``: wins over ``timezone``."""
    current_streak: Mapped[int] = mapped_column(server_default=sql_text("0"))
    longest_streak: Mapped[int] = mapped_column(server_default=sql_text("0"))
    total_days: Mapped[int] = mapped_column(server_default=sql_text("0"))
    last_day: Mapped[date | None]
    week_start: Mapped[date | None]
    week_days: Mapped[int] = mapped_column(server_default=sql_text("0"))
    month_start: Mapped[date | None]
    month_days: Mapped[int] = mapped_column(server_default=sql_text("0"))


class MemberPause(Base):
    """A member away (``/practice pause``): local dates ``first_day`` to ``last_day``, both included."""

    __tablename__ = "member_pause"
    __table_args__ = (
        Index("ix_member_pause_member_id_last_day", "member_id", "last_day"),
        # The leaderboard's away members: pauses that end yesterday or later.
        Index("ix_member_pause_last_day", "last_day"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(Id, ForeignKey("member.id", ondelete="CASCADE"))
    first_day: Mapped[date]
    last_day: Mapped[date]
    created_at: Mapped[datetime]


class Pairing(Base):
    """A channel's weekly pairing (``bot.core.pairing``): the round's local weekday and time, the next round."""

    __tablename__ = "pairing"
    __table_args__ = (
        UniqueConstraint("channel_id"),
        # due_pairings: WHERE enabled AND next_round_at <= now
        Index("ix_pairing_due", "enabled", "next_round_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    channel_id: Mapped[int] = mapped_column(Id, ForeignKey("channel.id", ondelete="CASCADE"))
    weekday: Mapped[int]
    local_time: Mapped[time]
    timezone: Mapped[str]
    odd_policy: Mapped[str] = mapped_column(String(16))
    enabled: Mapped[bool]
    next_round_at: Mapped[datetime | None]


class PairingMember(Base):
    """Someone who joined a channel's weekly pairing."""

    __tablename__ = "pairing_member"
    __table_args__ = (UniqueConstraint("pairing_id", "member_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    pairing_id: Mapped[int] = mapped_column(Id, ForeignKey("pairing.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(Id, ForeignKey("member.id", ondelete="CASCADE"))
    joined_at: Mapped[datetime]
    odd_times: Mapped[int] = mapped_column(server_default=sql_text("0"))
    """Rounds this member was the odd one out: the odd one is chosen by turn."""
    last_odd_round_id: Mapped[int | None] = mapped_column(Id, ForeignKey("pairing_round.id", ondelete="SET NULL"))


class PairingRound(Base):
    """One week's round of a pairing: unique per pairing and local date (the claim), with its reminder."""

    __tablename__ = "pairing_round"
    __table_args__ = (
        UniqueConstraint("pairing_id", "local_date"),
        # due_reminders: WHERE NOT reminded AND remind_at <= now
        Index("ix_pairing_round_reminder", "reminded", "remind_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    pairing_id: Mapped[int] = mapped_column(Id, ForeignKey("pairing.id", ondelete="CASCADE"))
    local_date: Mapped[date]
    created_at: Mapped[datetime]
    remind_at: Mapped[datetime]
    reminded: Mapped[bool]


class PairingPair(Base):
    """A pair (or trio) of a round; ``first_id`` interviews first."""

    __tablename__ = "pairing_pair"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    round_id: Mapped[int] = mapped_column(Id, ForeignKey("pairing_round.id", ondelete="CASCADE"), index=True)
    first_id: Mapped[int] = mapped_column(Id, ForeignKey("member.id", ondelete="CASCADE"))
    second_id: Mapped[int] = mapped_column(Id, ForeignKey("member.id", ondelete="CASCADE"))
    third_id: Mapped[int | None] = mapped_column(Id, ForeignKey("member.id", ondelete="CASCADE"))
    scenario_id: Mapped[str]


class PracticeDay(Base):
    __tablename__ = "practice_day"
    __table_args__ = (UniqueConstraint("member_id", "local_date"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(Id, ForeignKey("member.id", ondelete="CASCADE"))
    local_date: Mapped[date]


class DailyPrompt(Base):
    __tablename__ = "daily_prompt"
    __table_args__ = (
        UniqueConstraint("channel_id", "local_date"),
        # due_prompt_closings: WHERE NOT closed AND closes_at <= now
        Index("ix_daily_prompt_due", "closed", "closes_at"),
        Index("ix_daily_prompt_thread_key", "thread_key"),
        Index("ix_daily_prompt_message_key", "message_key"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    channel_id: Mapped[int] = mapped_column(Id, ForeignKey("channel.id", ondelete="CASCADE"))
    local_date: Mapped[date]
    section: Mapped[int]
    scenario_id: Mapped[str]
    item_id: Mapped[str]
    question: Mapped[str] = mapped_column(Text)
    closes_at: Mapped[datetime]
    message_ref: Mapped[str | None] = mapped_column(Text)
    thread_ref: Mapped[str | None] = mapped_column(Text)
    thread_key: Mapped[str | None]
    message_key: Mapped[str | None]
    closed: Mapped[bool] = mapped_column(server_default=false())


class Interview(Base):
    __tablename__ = "interview"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'finished', 'ended')", name="status"),
        # due_interviews: WHERE due_at <= now (due_at is NULL unless active)
        Index("ix_interview_due_at", "due_at"),
        Index("ix_interview_candidate_id_status", "candidate_id", "status"),
        Index("ix_interview_thread_key", "thread_key"),
        # One running interview per candidate, enforced by the database (two commands at once).
        Index("uq_interview_one_active", "candidate_id", unique=True,
              sqlite_where=sql_text("status = 'active'"), postgresql_where=sql_text("status = 'active'")),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    channel_id: Mapped[int] = mapped_column(Id, ForeignKey("channel.id", ondelete="CASCADE"))
    candidate_id: Mapped[int] = mapped_column(Id, ForeignKey("member.id", ondelete="CASCADE"))
    scenario_id: Mapped[str]
    total_minutes: Mapped[int]
    phases: Mapped[list[list[int]]] = mapped_column(JSON)
    """``[[section, budget_seconds], ...]``"""
    status: Mapped[str] = mapped_column(String(16))
    phase_index: Mapped[int] = mapped_column(server_default=sql_text("0"))
    phase_started_at: Mapped[datetime | None]
    phase_deadline_at: Mapped[datetime | None]
    nudge_at: Mapped[datetime | None]
    nudged: Mapped[bool] = mapped_column(server_default=false())
    due_at: Mapped[datetime | None]
    """The earliest of the deadline and the unsent nudge while active, else NULL (kept by the store)."""
    hints_used: Mapped[list[str]] = mapped_column(JSON)
    skipped: Mapped[list[int]] = mapped_column(JSON)
    thread_ref: Mapped[str | None] = mapped_column(Text)
    thread_key: Mapped[str | None]
    version: Mapped[int] = mapped_column(server_default=sql_text("1"))
    started_at: Mapped[datetime]
    level: Mapped[str] = mapped_column(String(8), server_default="senior")
    quiet: Mapped[bool] = mapped_column(server_default=false())
    """No follow-up probes in this interview."""
    probe_at: Mapped[datetime | None]
    """When a follow-up probe may be asked (the candidate's pause after an answer); part of ``due_at``."""
    probes_asked: Mapped[int] = mapped_column(server_default=sql_text("0"))
    """Follow-ups asked in the current phase."""
    probed: Mapped[list[str] | None] = mapped_column(JSON)
    """Checklist item ids already asked about as follow-ups (NULL in rows from before them: none)."""
    interviewer_id: Mapped[int | None] = mapped_column(Id, ForeignKey("member.id", ondelete="SET NULL"))
    """A peer mock's interviewer (NULL: the bot alone interviews)."""
    extended: Mapped[list[int] | None] = mapped_column(JSON)
    """Phase indexes the interviewer added time to (once each; NULL: none)."""
    interviewer_note: Mapped[str | None] = mapped_column(Text)
    """The interviewer's free-text note for the scorecard."""


class PeerMark(Base):
    """An interviewer's mark on one checklist item of a peer mock: one row per item, changed in place."""

    __tablename__ = "peer_mark"
    __table_args__ = (
        UniqueConstraint("interview_id", "item_id"),
        CheckConstraint("mark IN ('covered', 'partial', 'missing')", name="mark"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    interview_id: Mapped[int] = mapped_column(Id, ForeignKey("interview.id", ondelete="CASCADE"))
    phase_index: Mapped[int]
    item_id: Mapped[str]
    mark: Mapped[str] = mapped_column(String(16))
    marked_at: Mapped[datetime]


class Answer(Base):
    __tablename__ = "answer"
    __table_args__ = (
        UniqueConstraint("event_key"),
        Index("ix_answer_member_id_local_date", "member_id", "local_date"),
        Index("ix_answer_prompt_id", "prompt_id"),
        Index("ix_answer_interview_id_phase_index", "interview_id", "phase_index"),
        Index("ix_answer_drill_id", "drill_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(Id, ForeignKey("member.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    event_key: Mapped[str]
    created_at: Mapped[datetime]
    local_date: Mapped[date]
    message_ref: Mapped[str | None] = mapped_column(Text)
    prompt_id: Mapped[int | None] = mapped_column(Id, ForeignKey("daily_prompt.id", ondelete="SET NULL"))
    interview_id: Mapped[int | None] = mapped_column(Id, ForeignKey("interview.id", ondelete="SET NULL"))
    phase_index: Mapped[int | None]
    withdrawn: Mapped[bool] = mapped_column(server_default=false())
    drill_id: Mapped[int | None] = mapped_column(Id, ForeignKey("drill.id", ondelete="SET NULL"))


class Drill(Base):
    """A personal prompt (``/practice drill``): one question from the member's weakest section, asked
    in a thread of its own (Slack: the bot's DM; Discord: a private thread); its answers are scored at once."""

    __tablename__ = "drill"
    __table_args__ = (
        Index("ix_drill_thread_key", "thread_key"),
        Index("ix_drill_member_id_created_at", "member_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(Id, ForeignKey("member.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(Id, ForeignKey("channel.id", ondelete="CASCADE"))
    section: Mapped[int]
    scenario_id: Mapped[str]
    item_id: Mapped[str]
    question: Mapped[str] = mapped_column(Text)
    thread_ref: Mapped[str] = mapped_column(Text)
    thread_key: Mapped[str]
    created_at: Mapped[datetime]


class Score(Base):
    __tablename__ = "score"
    __table_args__ = (
        CheckConstraint("scorer IN ('offline', 'llm')", name="scorer"),
        Index("ix_score_interview_id_phase_index", "interview_id", "phase_index"),
        Index("ix_score_answer_id", "answer_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    answer_id: Mapped[int | None] = mapped_column(Id, ForeignKey("answer.id", ondelete="CASCADE"))
    interview_id: Mapped[int | None] = mapped_column(Id, ForeignKey("interview.id", ondelete="CASCADE"))
    phase_index: Mapped[int | None]
    section: Mapped[int]
    scorer: Mapped[str] = mapped_column(String(16))
    model: Mapped[str] = mapped_column(server_default=EMPTY)
    score: Mapped[float]
    verdicts: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    feedback: Mapped[str] = mapped_column(Text)
    follow_up: Mapped[str] = mapped_column(Text, server_default=EMPTY)
    prompt_tokens: Mapped[int] = mapped_column(server_default=sql_text("0"))
    completion_tokens: Mapped[int] = mapped_column(server_default=sql_text("0"))
    fallback_reason: Mapped[str] = mapped_column(Text, server_default=EMPTY)
    created_at: Mapped[datetime]


class Outbox(Base):
    """One message to send; claimed (pending -> sending) before it is sent, marked after."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("dedupe_key"),
        CheckConstraint("state IN ('pending', 'sending', 'sent', 'dead')", name="state"),
        # claim_outbox: WHERE state IN ('pending', 'sending') ... ORDER BY id
        Index("ix_outbox_state_id", "state", "id"),
        # claim_outbox: an earlier row of the same target waiting for its retry (few rows ever are)
        Index("ix_outbox_retry_target", "target", "id",
              sqlite_where=sql_text("state = 'pending' AND available_at IS NOT NULL"),
              postgresql_where=sql_text("state = 'pending' AND available_at IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    target: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(String(16))
    dedupe_key: Mapped[str]
    payload: Mapped[str] = mapped_column(Text, server_default=EMPTY)
    subject_id: Mapped[int | None] = mapped_column(Id)
    state: Mapped[str] = mapped_column(String(16), server_default="pending")
    attempts: Mapped[int] = mapped_column(server_default=sql_text("0"))
    available_at: Mapped[datetime | None]
    """NULL: as soon as possible (the store has no clock; see ``claim_outbox``)."""
    claimed_at: Mapped[datetime | None]
    lease_id: Mapped[int | None] = mapped_column(Id)
    """The lease of the process that claimed the row: while that lease lives nobody else takes the row;
    once it has expired (or was given up), anyone may, at once."""
    sent_ref: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class Lease(Base):
    """A running process's claim on its work: renewed every few seconds; claims name it."""

    __tablename__ = "lease"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    holder: Mapped[str]
    """Who holds it (host and pid), for operators reading the table."""
    started_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class ProcessedEvent(Base):
    __tablename__ = "processed_event"
    __table_args__ = (
        UniqueConstraint("platform", "event_key"),
        Index("ix_processed_event_seen_at", "seen_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    event_key: Mapped[str]
    seen_at: Mapped[datetime]


class InboxRow(Base):
    """An inbound item written before its ack; claimed under a lease while it is applied; done with
    its effect (``bot.core.inbox``)."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("platform", "item_key"),
        CheckConstraint("state IN ('applying', 'done')", name="state"),
        # claim_inbound: WHERE state = 'applying' ... ORDER BY id; prune_inbound: state, settled_at
        Index("ix_inbox_state_id", "state", "id"),
        Index("ix_inbox_member", "platform", "workspace", "member"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    item_key: Mapped[str]
    kind: Mapped[str] = mapped_column(String(32))
    order_key: Mapped[str]
    payload: Mapped[str] = mapped_column(Text)
    workspace: Mapped[str] = mapped_column(server_default=EMPTY)
    member: Mapped[str] = mapped_column(server_default=EMPTY)
    state: Mapped[str] = mapped_column(String(16), server_default="applying")
    attempts: Mapped[int] = mapped_column(server_default=sql_text("1"))
    lease_id: Mapped[int | None] = mapped_column(Id)
    received_at: Mapped[datetime]
    settled_at: Mapped[datetime | None]


# ------------------------------------------------------------------ Slack installations (OAuth, many workspaces)
# slack_sdk's ``AsyncSQLAlchemyInstallationStore`` and ``AsyncSQLAlchemyOAuthStateStore`` read and write
# these three tables (its default names and columns); migration 0010 creates them, the bot never does at
# run time. Plain naive ``DateTime`` as slack_sdk writes it (UTC). ``tests/adapters/slack/test_oauth.py``
# compares them with slack_sdk's own definitions, so an upgrade that changes them is noticed.

slack_installations = Table(
    "slack_installations",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(32), nullable=False),
    Column("app_id", String(32), nullable=False),
    Column("enterprise_id", String(32)),
    Column("enterprise_name", String(200)),
    Column("enterprise_url", String(200)),
    Column("team_id", String(32)),
    Column("team_name", String(200)),
    Column("bot_token", String(200)),
    Column("bot_id", String(32)),
    Column("bot_user_id", String(32)),
    Column("bot_scopes", String(1000)),
    Column("bot_refresh_token", String(200)),
    Column("bot_token_expires_at", DateTime),
    Column("user_id", String(32), nullable=False),
    Column("user_token", String(200)),
    Column("user_scopes", String(1000)),
    Column("user_refresh_token", String(200)),
    Column("user_token_expires_at", DateTime),
    Column("incoming_webhook_url", String(200)),
    Column("incoming_webhook_channel", String(200)),
    Column("incoming_webhook_channel_id", String(200)),
    Column("incoming_webhook_configuration_url", String(200)),
    Column("is_enterprise_install", Boolean, nullable=False, default=False),
    Column("token_type", String(32)),
    Column("installed_at", DateTime, nullable=False, default=func.now()),
    Index("slack_installations_idx", "client_id", "enterprise_id", "team_id", "user_id", "installed_at"),
)
"""One row per install (re-installs add rows; the newest wins): who installed, and the tokens."""

slack_bots = Table(
    "slack_bots",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(32), nullable=False),
    Column("app_id", String(32), nullable=False),
    Column("enterprise_id", String(32)),
    Column("enterprise_name", String(200)),
    Column("team_id", String(32)),
    Column("team_name", String(200)),
    Column("bot_token", String(200)),
    Column("bot_id", String(32)),
    Column("bot_user_id", String(32)),
    Column("bot_scopes", String(1000)),
    Column("bot_refresh_token", String(200)),
    Column("bot_token_expires_at", DateTime),
    Column("is_enterprise_install", Boolean, nullable=False, default=False),
    Column("installed_at", DateTime, nullable=False, default=func.now()),
    Index("slack_bots_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
)
"""The bot token of each install: what every Web API call for that workspace is made with."""

slack_oauth_states = Table(
    "slack_oauth_states",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("state", String(200), nullable=False),
    Column("expire_at", DateTime, nullable=False),
)
"""The ``state`` of each install link handed out, consumed once by the redirect."""
