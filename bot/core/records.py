"""Plain records the core reads and writes through its repository port."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Literal

from framework import DEFAULT_LEVEL, Level

from bot.core.refs import ChannelRef, MessageRef, Target, ThreadRef, UserRef

Verdict = Literal["covered", "partial", "missing"]
VERDICT_VALUE: dict[Verdict, float] = {"covered": 1.0, "partial": 0.5, "missing": 0.0}
ScorerKind = Literal["offline", "llm"]
InterviewStatus = Literal["active", "finished", "ended"]
Window = Literal["week", "month", "all"]
OutboxPurpose = str
"""What an outbox row is for (``"phase"``, ``"prompt"``, ...): named by the capability that creates
the row, which also registers how it is delivered (``bot.core.outbox.OutboxKind``)."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a channel gets its daily prompt: local time on chosen weekdays (0 = Monday)."""

    local_time: time
    timezone: str
    weekdays: frozenset[int] = frozenset(range(5))
    enabled: bool = True
    skipped: frozenset[date] = frozenset()
    """Local dates with no prompt (``/practice schedule skip <date>``)."""
    paused_until: date | None = None
    """No prompt on any local date up to and including this one (``/practice schedule pause until``)."""

    def posts_on(self, day: date) -> bool:
        """Whether ``day`` (the channel's local date) gets a prompt."""
        return (day.weekday() in self.weekdays and day not in self.skipped
                and (self.paused_until is None or day > self.paused_until))


@dataclass(frozen=True, slots=True)
class Pause:
    """A member away (``/practice pause``): local dates ``first_day`` to ``last_day``, both included.
    Paused days neither extend nor break a streak (``bot.core.progress.rules``)."""

    first_day: date
    last_day: date

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


@dataclass(frozen=True, slots=True)
class ChannelRecord:
    id: int
    ref: ChannelRef
    schedule: Schedule | None
    next_prompt_at: datetime | None


@dataclass(frozen=True, slots=True)
class MemberRecord:
    id: int
    ref: UserRef
    timezone: str | None
    """The zone the member's day is counted in, if they have one: the one they chose, else the platform's
    (``bot.core.members.own_timezone``)."""
    chosen_timezone: str | None = None
    """Set with ``/practice timezone``: wins over the platform's on every platform."""


@dataclass(frozen=True, slots=True)
class DailyPromptDraft:
    channel: ChannelRef
    local_date: date
    section: int
    scenario_id: str
    item_id: str
    question: str
    closes_at: datetime


@dataclass(frozen=True, slots=True)
class ChannelMove:
    """A due channel's schedule moved on from ``expected_next_at`` and, when its day's prompt is
    due, that prompt claimed with its outbox rows: one step of the daily fan-out."""

    channel_id: int
    expected_next_at: datetime
    new_next_at: datetime | None
    prompt: DailyPromptDraft | None = None
    outbox: tuple[OutboxDraft, ...] = ()


@dataclass(frozen=True, slots=True)
class DailyPromptRecord:
    id: int
    channel: ChannelRef
    local_date: date
    section: int
    scenario_id: str
    item_id: str
    question: str
    closes_at: datetime
    message: MessageRef | None
    thread: ThreadRef | None
    closed: bool


@dataclass(frozen=True, slots=True)
class Phase:
    section: int
    budget_seconds: int


@dataclass(frozen=True, slots=True)
class InterviewDraft:
    channel: ChannelRef
    candidate: UserRef
    scenario_id: str
    total_minutes: int
    phases: tuple[Phase, ...]
    started_at: datetime
    level: Level = DEFAULT_LEVEL
    quiet: bool = False
    """No follow-up probes."""
    interviewer: UserRef | None = None
    """A peer mock: the teammate who interviews (``None``: the bot alone)."""
    candidate_timezone: str | None = None
    """The zone the platform told for the candidate (kept on their member row, as ``Members.join`` would)."""


@dataclass(frozen=True, slots=True)
class InterviewRecord:
    id: int
    channel: ChannelRef
    candidate: UserRef
    scenario_id: str
    total_minutes: int
    phases: tuple[Phase, ...]
    status: InterviewStatus
    phase_index: int
    """Index into ``phases``; equals ``len(phases)`` once the interview is over."""
    phase_started_at: datetime | None
    phase_deadline_at: datetime | None
    nudge_at: datetime | None
    nudged: bool
    hints_used: tuple[str, ...]
    """Checklist item ids whose probes were already given as hints."""
    skipped: tuple[int, ...]
    """Phase indexes the candidate skipped."""
    thread: ThreadRef | None
    version: int
    started_at: datetime
    level: Level = DEFAULT_LEVEL
    quiet: bool = False
    probe_at: datetime | None = None
    """When the candidate's pause after an answer is over and a follow-up may be asked (None: none due)."""
    probes_asked: int = 0
    """Follow-up probes asked in the current phase."""
    probed: tuple[str, ...] = ()
    """Checklist item ids already asked about as follow-ups (the whole interview)."""
    interviewer: UserRef | None = None
    """A peer mock's interviewer (``None``: the bot alone interviews)."""
    extended: tuple[int, ...] = ()
    """Phase indexes the interviewer already added time to (once per phase)."""

    @property
    def is_peer(self) -> bool:
        return self.interviewer is not None

    @property
    def current_phase(self) -> Phase | None:
        if self.status != "active" or self.phase_index >= len(self.phases):
            return None
        return self.phases[self.phase_index]


@dataclass(frozen=True, slots=True)
class InterviewChanges:
    """Fields a claimed transition may change; ``None`` leaves a field as it is."""

    status: InterviewStatus | None = None
    phase_index: int | None = None
    phase_started_at: datetime | None = None
    phase_deadline_at: datetime | None = None
    nudge_at: datetime | None = None
    clear_deadlines: bool = False
    nudged: bool | None = None
    hints_used: tuple[str, ...] | None = None
    skipped: tuple[int, ...] | None = None
    thread: ThreadRef | None = None
    probe_at: datetime | None = None
    clear_probe: bool = False
    """Applied before ``probe_at``: no follow-up is due any more."""
    probes_asked: int | None = None
    probed: tuple[str, ...] | None = None
    extended: tuple[int, ...] | None = None


@dataclass(frozen=True, slots=True)
class PeerMark:
    """An interviewer's mark on one checklist item of a peer mock (changeable until the scorecard)."""

    interview_id: int
    phase_index: int
    item_id: str
    mark: Verdict
    marked_at: datetime


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A follow-up question about one checklist item, as an LLM phrased it from the answer."""

    question: str
    item_id: str


@dataclass(frozen=True, slots=True)
class AnswerDraft:
    member: UserRef
    text: str
    event_key: str
    created_at: datetime
    local_date: date
    """The member's practice day for this answer (their timezone, else the channel's)."""
    message: MessageRef | None = None
    prompt_id: int | None = None
    interview_id: int | None = None
    phase_index: int | None = None
    drill_id: int | None = None


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    id: int
    member: UserRef
    text: str
    event_key: str
    created_at: datetime
    local_date: date
    message: MessageRef | None
    prompt_id: int | None
    interview_id: int | None
    phase_index: int | None
    withdrawn: bool
    drill_id: int | None = None


@dataclass(frozen=True, slots=True)
class ItemVerdict:
    item_id: str
    verdict: Verdict
    evidence: str = ""
    """An excerpt of the answer supporting the verdict (empty when missing)."""


@dataclass(frozen=True, slots=True)
class ScoreCard:
    section: int
    scorer: ScorerKind
    score: float
    """0-10, computed from the verdicts and item weights."""
    verdicts: tuple[ItemVerdict, ...]
    feedback: str
    follow_up: str = ""
    model: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    fallback_reason: str = ""
    """Why an LLM scorer fell back to the offline one (empty otherwise)."""

    @property
    def label(self) -> str:
        if self.scorer == "llm":
            return f"LLM ({self.model})" if self.model else "LLM"
        if self.fallback_reason.startswith("LLM reply rejected"):
            return f"offline ({self.fallback_reason})"
        return "offline" + (f", LLM unavailable: {self.fallback_reason}" if self.fallback_reason else "")


@dataclass(frozen=True, slots=True)
class ScoreDraft:
    card: ScoreCard
    answer_id: int | None = None
    interview_id: int | None = None
    phase_index: int | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StreakRecord:
    member: UserRef
    current: int
    longest: int
    total_days: int
    last_day: date | None
    pauses: tuple[Pause, ...] = ()
    """The member's pauses that end after ``last_day`` (they bridge the gap since then)."""


@dataclass(frozen=True, slots=True)
class LeaderboardRow:
    rank: int
    member: UserRef
    current: int
    longest: int
    days: int
    """Practice days inside the window (all time for ``all``)."""
    away: bool = False
    """Paused today (``/practice pause``): the board marks them away."""
    interviews_given: int = 0
    """Peer mocks this member interviewed (over), all time."""


@dataclass(frozen=True, slots=True)
class OutboxDraft:
    target: Target
    text: str
    purpose: OutboxPurpose
    dedupe_key: str
    """Unique: enqueueing the same effect twice keeps one row."""
    payload: str = ""
    """JSON the service needs to re-render the message with blocks (may be empty)."""
    subject_id: int | None = None


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    id: int
    target: Target
    text: str
    purpose: OutboxPurpose
    dedupe_key: str
    payload: str
    subject_id: int | None
    attempts: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class UsageTotals:
    scored_sections: int = 0
    llm_sections: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    per_section: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    """section -> (count, prompt tokens, completion tokens) for LLM-scored sections."""
    fallbacks: dict[str, int] = field(default_factory=dict)
    """fallback reason -> how many scores fell back to the offline scorer for it."""


@dataclass(frozen=True, slots=True)
class DrillDraft:
    """A personal prompt (``/practice drill``) about to be stored, its thread already open."""

    member: UserRef
    channel: ChannelRef
    """Where it was asked for."""
    section: int
    scenario_id: str
    item_id: str
    question: str
    thread: ThreadRef
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DrillRecord:
    id: int
    member: UserRef
    channel: ChannelRef
    section: int
    scenario_id: str
    item_id: str
    question: str
    thread: ThreadRef
    created_at: datetime
