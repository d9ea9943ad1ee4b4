"""The daily prompts capability's ports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from bot.core.members import ChannelDirectory
from bot.core.records import (
    AnswerRecord,
    ChannelMove,
    ChannelRecord,
    DailyPromptDraft,
    DailyPromptRecord,
    DrillDraft,
    DrillRecord,
    OutboxDraft,
    Schedule,
)
from bot.core.refs import ChannelRef, MessageRef, ThreadRef, UserRef
from bot.core.scoring import ScoreWriter


class PromptReader(Protocol):
    async def get_prompt(self, prompt_id: int) -> DailyPromptRecord | None: ...

    async def answers_for_prompt(self, prompt_id: int) -> list[AnswerRecord]: ...


class PromptStore(PromptReader, Protocol):
    """What daily prompts need: due channels moved on, prompts claimed once, closed once."""

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

    async def prompt_by_thread(self, thread: ThreadRef) -> DailyPromptRecord | None: ...

    async def latest_prompt(self, channel: ChannelRef) -> DailyPromptRecord | None: ...

    async def due_prompt_closings(self, now: datetime, *, limit: int = 500) -> list[DailyPromptRecord]:
        """Posted, unclosed prompts with ``closes_at <= now``."""
        ...

    async def claim_prompt_close(self, prompt_id: int, *, outbox: Sequence[OutboxDraft] = ()) -> bool:
        """Mark closed if not yet closed (and enqueue the reveal); True for the one winner."""
        ...

    async def next_prompt_due(self) -> datetime | None:
        """The earliest channel prompt or prompt closing to come (``None``: no schedule, nothing open)."""
        ...


class ScheduleStore(ChannelDirectory, Protocol):
    async def save_schedule(
        self, channel: ChannelRef, *, schedule: Schedule | None, next_prompt_at: datetime | None
    ) -> ChannelRecord:
        """Create the channel if needed and set (or clear, with ``None``) its schedule."""
        ...


class PromptDeliveryStore(PromptReader, ScoreWriter, Protocol):
    """What posting a prompt and revealing its checklist need."""

    async def set_prompt_message(
        self, prompt_id: int, *, message: MessageRef, thread: ThreadRef | None, sent_outbox_id: int | None = None
    ) -> None:
        """Record the posted root (``thread=None`` until its thread exists, so a retry never re-posts).
        With ``sent_outbox_id``, that outbox row is marked sent (to ``message``) in the same transaction."""
        ...


class DrillStore(Protocol):
    """What drills need: stored with their thread, found by it, and a member's recent ones."""

    async def create_drill(self, draft: DrillDraft) -> DrillRecord: ...

    async def drill_by_thread(self, thread: ThreadRef) -> DrillRecord | None: ...

    async def recent_drills(self, user: UserRef, *, limit: int = 10) -> list[DrillRecord]:
        """The member's drills, newest first."""
        ...


class DrillDeliveryStore(ScoreWriter, Protocol):
    """What scoring a drill's answer reads and writes."""

    async def get_drill(self, drill_id: int) -> DrillRecord | None: ...

    async def answers_for_drill(self, drill_id: int) -> list[AnswerRecord]: ...
