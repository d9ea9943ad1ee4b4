"""The members capability's ports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from bot.core.records import ChannelRecord, MemberRecord, Pause
from bot.core.refs import ChannelRef, Platform, UserRef


class MemberStore(Protocol):
    async def ensure_member(self, user: UserRef, *, timezone: str | None = None) -> MemberRecord:
        """Create or update a member (display name; timezone only when given)."""
        ...

    async def get_member(self, user: UserRef) -> MemberRecord | None: ...


class TimezoneStore(Protocol):
    async def choose_timezone(self, user: UserRef, *, timezone: str | None) -> MemberRecord:
        """Set (``None``: clear) the timezone the member chose, creating the member if need be."""
        ...


class PauseStore(Protocol):
    async def member_pauses(self, user: UserRef, *, ending_from: date) -> list[Pause]:
        """The member's pauses that end on ``ending_from`` or later, earliest first."""
        ...

    async def start_pause(self, user: UserRef, pause: Pause, *, now: datetime) -> Pause:
        """Store a pause, creating the member if need be."""
        ...

    async def end_pause(self, user: UserRef, *, today: date) -> Pause | None:
        """End the member's pauses yesterday: those that cover ``today`` are cut short, those that start
        today or later deleted. The pause as it was (``None``: the member was not paused)."""
        ...


class ChannelDirectory(Protocol):
    async def get_channel(self, channel: ChannelRef) -> ChannelRecord | None: ...


@dataclass(frozen=True, slots=True)
class ForgetReport:
    """What forgetting a person deleted: rows per kind (no ids, names or text, so it can be logged)."""

    members: int = 0
    answers: int = 0
    scores: int = 0
    interviews: int = 0
    practice_days: int = 0
    events: int = 0
    outbox: int = 0
    marks: int = 0
    """A peer mock interviewer's marks (on their own interviews, and those they gave)."""
    inbox: int = 0
    """Inbound items (commands, messages, clicks) they sent, as the inbox keeps them for an hour."""
    drills: int = 0
    pauses: int = 0
    pairing: int = 0
    """Weekly pairing opt-ins and the pairs the member was in."""
    installs: int = 0
    """Slack installs the person made: their id (and own token) cleared, the workspace kept (rows
    changed, not deleted: not in ``total``)."""

    @property
    def total(self) -> int:
        return (self.members + self.answers + self.scores + self.interviews + self.practice_days + self.events
                + self.outbox + self.marks + self.inbox + self.drills + self.pauses + self.pairing)


class ForgetStore(Protocol):
    async def forget_member(self, platform: Platform, user_id: str) -> ForgetReport:
        """Delete, in one transaction, every row about the person with this id on this platform (in
        every workspace): their member rows with the streaks on them, answers, scores, interviews with
        what they were to post, practice days, peer mock marks (theirs and on their interviews) and notes,
        and the inbound event keys that name them."""
        ...


@dataclass(frozen=True, slots=True)
class RetireReport:
    """What removing a workspace stopped (counts only, so it can be logged)."""

    channels: int = 0
    """Channel schedules turned off."""
    interviews: int = 0
    """Running interviews ended where they stood."""
    outbox: int = 0
    """Pending outbox rows marked dead (kept, with the reason), never sent."""


class WorkspaceStore(Protocol):
    async def retire_workspace(self, platform: Platform, workspace: str, *, reason: str) -> RetireReport:
        """In one transaction: the workspace's channel schedules off, its running interviews ended, and its
        pending outbox rows marked dead with ``reason``. Members, answers, streaks and history stay."""
        ...
