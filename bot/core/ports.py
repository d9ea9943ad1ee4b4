"""The Protocols the core needs from the outside world.

Adapters implement ``Chat``; ``bot.storage`` implements ``Store``; ``bot.scoring``
implements ``Scorer``; tests inject a fake ``Clock``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Protocol

from framework import Scenario, Section

from bot.core.messages import Capabilities, OutMessage
from bot.core.records import (
    AnswerDraft,
    AnswerRecord,
    ChannelMove,
    ChannelRecord,
    DailyPromptDraft,
    DailyPromptRecord,
    InterviewChanges,
    InterviewDraft,
    InterviewRecord,
    LeaderboardRow,
    MemberRecord,
    OutboxDraft,
    OutboxRecord,
    Schedule,
    ScoreCard,
    ScoreDraft,
    StreakRecord,
    UsageTotals,
    Window,
)
from bot.core.refs import ChannelRef, MessageRef, Platform, Target, ThreadRef, UserRef


class Clock(Protocol):
    def now(self) -> datetime:
        """Timezone-aware UTC now."""
        ...


class Chat(Protocol):
    """One platform's way to talk. Every method is awaited; failures surface to the caller."""

    platform: Platform
    capabilities: Capabilities

    async def send(self, where: Target, message: OutMessage) -> MessageRef:
        """Post ``message`` in a channel or inside a thread; the returned ref keeps the thread."""
        ...

    async def start_thread(self, root: MessageRef, title: str) -> ThreadRef:
        """Open a thread under ``root`` (Slack: the root ts; Discord: a new thread channel)."""
        ...

    async def edit(self, ref: MessageRef, message: OutMessage) -> None: ...

    async def react(self, ref: MessageRef, emoji: str) -> None:
        """Add a reaction; ``emoji`` is a neutral name such as ``white_check_mark``."""
        ...


class Scorer(Protocol):
    kind: str

    async def score(
        self, *, section: Section, scenario: Scenario | None, question: str, answer: str
    ) -> ScoreCard: ...


class Store(Protocol):
    """Repositories over the database. Each method is one transaction.

    Methods named ``claim_*`` or taking an expected version are the only way to
    change shared scheduled state: they return ``None``/``False`` when another
    process got there first, so nothing is posted twice.
    """

    # members and channels -------------------------------------------------------------
    async def ensure_member(self, user: UserRef, *, timezone: str | None = None) -> MemberRecord:
        """Create or update a member (display name; timezone only when given)."""
        ...

    async def get_member(self, user: UserRef) -> MemberRecord | None: ...

    async def get_channel(self, channel: ChannelRef) -> ChannelRecord | None: ...

    async def save_schedule(
        self, channel: ChannelRef, *, schedule: Schedule | None, next_prompt_at: datetime | None
    ) -> ChannelRecord:
        """Create the channel if needed and set (or clear, with ``None``) its schedule."""
        ...

    async def due_channels(
        self, now: datetime, *, limit: int = 500, after: ChannelRecord | None = None
    ) -> list[ChannelRecord]:
        """Channels with an enabled schedule whose ``next_prompt_at <= now``, earliest first; with
        ``after``, only those that come after it in that order (to read on past channels that failed)."""
        ...

    async def move_channels(self, moves: Sequence[ChannelMove]) -> int:
        """Apply each move in one transaction: advance the channel only if ``next_prompt_at`` still
        is ``expected_next_at`` (another process may have won it), and then claim its prompt as
        ``claim_daily_prompt`` does. Returns the number of prompts claimed."""
        ...

    # daily prompts --------------------------------------------------------------------
    async def claim_daily_prompt(
        self, draft: DailyPromptDraft, *, outbox: Sequence[OutboxDraft] = ()
    ) -> DailyPromptRecord | None:
        """Insert the prompt (unique per channel and local date) and its outbox rows atomically.

        ``None`` when the channel already has a prompt for that date. Outbox drafts with
        ``subject_id=None`` get the new prompt's id.
        """
        ...

    async def recent_prompts(self, channel: ChannelRef, *, since: date) -> list[DailyPromptRecord]:
        """Prompts of a channel with ``local_date >= since``, newest first."""
        ...

    async def get_prompt(self, prompt_id: int) -> DailyPromptRecord | None: ...

    async def set_prompt_message(
        self, prompt_id: int, *, message: MessageRef, thread: ThreadRef | None, sent_outbox_id: int | None = None
    ) -> None:
        """Record the posted root (``thread=None`` until its thread exists, so a retry never re-posts).
        With ``sent_outbox_id``, that outbox row is marked sent (to ``message``) in the same transaction."""
        ...

    async def prompt_by_thread(self, thread: ThreadRef) -> DailyPromptRecord | None: ...

    async def prompt_by_message(self, message: MessageRef) -> DailyPromptRecord | None:
        """The prompt whose root message is ``message`` (for buttons on it)."""
        ...

    async def latest_prompt(self, channel: ChannelRef) -> DailyPromptRecord | None: ...

    async def due_prompt_closings(self, now: datetime, *, limit: int = 500) -> list[DailyPromptRecord]:
        """Posted, unclosed prompts with ``closes_at <= now``."""
        ...

    async def claim_prompt_close(self, prompt_id: int, *, outbox: Sequence[OutboxDraft] = ()) -> bool:
        """Mark closed if not yet closed (and enqueue the reveal); True for the one winner."""
        ...

    # interviews -----------------------------------------------------------------------
    async def create_interview(
        self, draft: InterviewDraft, *, changes: InterviewChanges, outbox: Sequence[OutboxDraft] = ()
    ) -> InterviewRecord | None:
        """``None`` when the candidate already has an active interview (decided by the database)."""
        ...

    async def get_interview(self, interview_id: int) -> InterviewRecord | None: ...

    async def active_interview(self, candidate: UserRef) -> InterviewRecord | None: ...

    async def interview_by_thread(self, thread: ThreadRef) -> InterviewRecord | None: ...

    async def interview_by_message(self, message: MessageRef) -> InterviewRecord | None:
        """The interview whose thread contains or is rooted at ``message``."""
        ...

    async def transition_interview(
        self,
        interview_id: int,
        *,
        expected_version: int,
        changes: InterviewChanges,
        outbox: Sequence[OutboxDraft] = (),
    ) -> InterviewRecord | None:
        """Apply ``changes`` if the row still has ``expected_version`` (then version + 1) and
        insert the outbox rows in the same transaction. ``None`` when someone else won."""
        ...

    async def due_interviews(self, now: datetime, *, limit: int = 500) -> list[InterviewRecord]:
        """Active interviews whose deadline has passed or whose nudge is due and not yet sent."""
        ...

    # answers and scores ---------------------------------------------------------------
    async def record_answer(self, draft: AnswerDraft) -> AnswerRecord | None:
        """Insert the answer, its practice day and the streak update atomically.

        ``None`` when ``event_key`` was already recorded (redelivery).
        """
        ...

    async def update_answer_text(self, event_key: str, text: str) -> AnswerRecord | None: ...

    async def withdraw_answer(self, event_key: str) -> AnswerRecord | None:
        """Mark the answer withdrawn; drop its practice day if it was the day's only answer."""
        ...

    async def answers_for_phase(self, interview_id: int, phase_index: int) -> list[AnswerRecord]: ...

    async def answers_for_prompt(self, prompt_id: int) -> list[AnswerRecord]: ...

    async def save_score(self, draft: ScoreDraft) -> None: ...

    async def scores_for_interview(self, interview_id: int) -> dict[int, ScoreCard]:
        """phase index -> the latest score card."""
        ...

    async def usage_totals(self) -> UsageTotals: ...

    # streaks --------------------------------------------------------------------------
    async def get_streak(self, user: UserRef) -> StreakRecord | None: ...

    async def leaderboard(
        self, *, platform: Platform, workspace: str, window: Window, today: date, limit: int = 10
    ) -> list[LeaderboardRow]: ...

    # outbox and inbound idempotency ---------------------------------------------------
    async def enqueue(self, drafts: Sequence[OutboxDraft]) -> None:
        """Insert outbox rows, ignoring any whose ``dedupe_key`` exists."""
        ...

    async def claim_outbox(
        self, now: datetime, *, limit: int = 50, stale_after_seconds: int = 120, bulk: Collection[str] = (),
        include_bulk: bool = True,
    ) -> list[OutboxRecord]:
        """Claim pending rows (or rows claimed longer ago than ``stale_after_seconds``), oldest first;
        rows whose purpose is in ``bulk`` only when no other row is waiting (never if not ``include_bulk``)."""
        ...

    async def mark_sent(self, outbox_id: int, *, message: MessageRef) -> None: ...

    async def release_outbox(self, outbox_ids: Sequence[int]) -> None:
        """Hand claimed rows that were never tried back: pending again at once, the claim's attempt undone."""
        ...

    async def mark_failed(self, outbox_id: int, *, error: str, retry_at: datetime | None) -> None:
        """Record a failed send: back to pending at ``retry_at``, or dead when ``None``."""
        ...

    async def remember_event(self, platform: Platform, key: str, *, now: datetime) -> bool:
        """True the first time a platform event key is seen, False on redelivery."""
        ...

    async def prune_events(self, *, older_than: datetime) -> int: ...
