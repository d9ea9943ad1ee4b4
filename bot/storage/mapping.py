"""Rows to the core's records, and the short lookup keys for refs."""

from __future__ import annotations

import json
from datetime import date, time
from typing import Any, cast

from bot.core.members import own_timezone
from bot.core.progress.rules import StreakState
from bot.core.records import (
    AnswerRecord,
    ChannelRecord,
    DailyPromptRecord,
    InterviewRecord,
    InterviewStatus,
    ItemVerdict,
    MemberRecord,
    OutboxRecord,
    Phase,
    Schedule,
    ScoreCard,
    ScorerKind,
    Verdict,
)
from bot.core.refs import PLATFORMS, ChannelRef, MessageRef, Platform, ThreadRef, UserRef, parse_target
from bot.storage.models import Answer, Channel, DailyPrompt, Interview, Member, Outbox, Score
from framework import LEVELS, Level

VERDICTS: frozenset[str] = frozenset({"covered", "partial", "missing"})


def as_platform(value: str) -> Platform:
    if value not in PLATFORMS:
        raise ValueError(f"unknown platform {value!r} in the database")
    return value


def thread_key(thread: ThreadRef) -> str:
    """Platform, channel and thread id: what identifies a thread on every platform.

    The workspace is left out on purpose: channel ids are unique per platform in practice
    (Slack ``C...``, Discord snowflakes), and a lookup must not miss because one adapter
    path knew the workspace and another did not.
    """
    return json.dumps([thread.channel.platform, thread.channel.channel_id, thread.thread_id], separators=(",", ":"))


def message_key(message: MessageRef) -> str:
    """Platform, channel and message id (the thread a message sits in is not part of it)."""
    return json.dumps([message.channel.platform, message.channel.channel_id, message.message_id],
                      separators=(",", ":"))


# ---------------------------------------------------------------------------------------- channels, members
def channel_ref(row: Channel) -> ChannelRef:
    return ChannelRef(as_platform(row.platform), row.external_id, row.workspace)


def weekdays_text(weekdays: frozenset[int]) -> str:
    return ",".join(str(day) for day in sorted(weekdays))


def weekdays_of(text: str | None) -> frozenset[int]:
    return frozenset(int(part) for part in (text or "").split(",") if part)


def dates_text(days: frozenset[date]) -> str | None:
    return ",".join(day.isoformat() for day in sorted(days)) or None


def dates_of(text: str | None) -> frozenset[date]:
    return frozenset(date.fromisoformat(part) for part in (text or "").split(",") if part)


def channel_record(row: Channel) -> ChannelRecord:
    schedule = None
    if row.local_time is not None and row.timezone is not None:
        schedule = Schedule(
            local_time=_plain_time(row.local_time),
            timezone=row.timezone,
            weekdays=weekdays_of(row.weekdays),
            enabled=row.enabled,
            skipped=dates_of(row.skipped_dates),
            paused_until=row.paused_until,
        )
    return ChannelRecord(id=row.id, ref=channel_ref(row), schedule=schedule, next_prompt_at=row.next_prompt_at)


def _plain_time(value: time) -> time:
    return value.replace(tzinfo=None)


def user_ref(row: Member) -> UserRef:
    return UserRef(as_platform(row.platform), row.external_id, row.workspace, row.display_name)


def member_record(row: Member) -> MemberRecord:
    return MemberRecord(id=row.id, ref=user_ref(row), timezone=own_timezone(row.chosen_timezone, row.timezone),
                        chosen_timezone=row.chosen_timezone)


def streak_state(row: Member) -> StreakState:
    return StreakState(
        current=row.current_streak,
        longest=row.longest_streak,
        total_days=row.total_days,
        last_day=row.last_day,
        week_start=row.week_start,
        week_days=row.week_days,
        month_start=row.month_start,
        month_days=row.month_days,
    )


def store_streak(row: Member, state: StreakState) -> None:
    row.current_streak = state.current
    row.longest_streak = state.longest
    row.total_days = state.total_days
    row.last_day = state.last_day
    row.week_start = state.week_start
    row.week_days = state.week_days
    row.month_start = state.month_start
    row.month_days = state.month_days


# ---------------------------------------------------------------------------------------- prompts, interviews
def prompt_record(row: DailyPrompt, channel: Channel) -> DailyPromptRecord:
    return DailyPromptRecord(
        id=row.id,
        channel=channel_ref(channel),
        local_date=row.local_date,
        section=row.section,
        scenario_id=row.scenario_id,
        item_id=row.item_id,
        question=row.question,
        closes_at=row.closes_at,
        message=MessageRef.parse(row.message_ref) if row.message_ref else None,
        thread=ThreadRef.parse(row.thread_ref) if row.thread_ref else None,
        closed=row.closed,
    )


def phases_json(phases: tuple[Phase, ...]) -> list[list[int]]:
    return [[phase.section, phase.budget_seconds] for phase in phases]


def interview_status(value: str) -> InterviewStatus:
    if value not in {"active", "finished", "ended"}:
        raise ValueError(f"unknown interview status {value!r} in the database")
    return cast(InterviewStatus, value)


def interview_record(row: Interview, channel: Channel, candidate: Member,
                     interviewer: Member | None = None) -> InterviewRecord:
    return InterviewRecord(
        id=row.id,
        channel=channel_ref(channel),
        candidate=user_ref(candidate),
        scenario_id=row.scenario_id,
        total_minutes=row.total_minutes,
        phases=tuple(Phase(section=int(section), budget_seconds=int(budget)) for section, budget in row.phases),
        status=interview_status(row.status),
        phase_index=row.phase_index,
        phase_started_at=row.phase_started_at,
        phase_deadline_at=row.phase_deadline_at,
        nudge_at=row.nudge_at,
        nudged=row.nudged,
        hints_used=tuple(str(item) for item in row.hints_used),
        skipped=tuple(int(index) for index in row.skipped),
        thread=ThreadRef.parse(row.thread_ref) if row.thread_ref else None,
        version=row.version,
        started_at=row.started_at,
        level=interview_level(row.level),
        quiet=row.quiet,
        probe_at=row.probe_at,
        probes_asked=row.probes_asked,
        probed=tuple(str(item) for item in row.probed or ()),
        interviewer=user_ref(interviewer) if interviewer is not None else None,
        extended=tuple(int(index) for index in row.extended or ()),
    )


def interview_level(value: str) -> Level:
    for level in LEVELS:
        if level == value:
            return level
    raise ValueError(f"unknown interview level {value!r}")


# ---------------------------------------------------------------------------------------- answers, scores
def answer_record(row: Answer, member: Member) -> AnswerRecord:
    return AnswerRecord(
        id=row.id,
        member=user_ref(member),
        text=row.text,
        event_key=row.event_key,
        created_at=row.created_at,
        local_date=row.local_date,
        message=MessageRef.parse(row.message_ref) if row.message_ref else None,
        prompt_id=row.prompt_id,
        interview_id=row.interview_id,
        phase_index=row.phase_index,
        withdrawn=row.withdrawn,
        drill_id=row.drill_id,
    )


def verdicts_json(verdicts: tuple[ItemVerdict, ...]) -> list[dict[str, str]]:
    return [{"item_id": v.item_id, "verdict": v.verdict, "evidence": v.evidence} for v in verdicts]


def _verdict(data: dict[str, Any]) -> ItemVerdict:
    verdict = str(data["verdict"])
    if verdict not in VERDICTS:
        raise ValueError(f"unknown verdict {verdict!r} in the database")
    return ItemVerdict(str(data["item_id"]), cast(Verdict, verdict), str(data.get("evidence", "")))


def score_card(row: Score) -> ScoreCard:
    if row.scorer not in {"offline", "llm"}:
        raise ValueError(f"unknown scorer {row.scorer!r} in the database")
    return ScoreCard(
        section=row.section,
        scorer=cast(ScorerKind, row.scorer),
        score=row.score,
        verdicts=tuple(_verdict(item) for item in row.verdicts),
        feedback=row.feedback,
        follow_up=row.follow_up,
        model=row.model,
        prompt_tokens=row.prompt_tokens,
        completion_tokens=row.completion_tokens,
        fallback_reason=row.fallback_reason,
    )


# ---------------------------------------------------------------------------------------- outbox
def outbox_record(row: Outbox) -> OutboxRecord:
    return OutboxRecord(
        id=row.id,
        target=parse_target(row.target),
        text=row.text,
        purpose=row.purpose,
        dedupe_key=row.dedupe_key,
        payload=row.payload,
        subject_id=row.subject_id,
        attempts=row.attempts,
        created_at=row.created_at,
    )
