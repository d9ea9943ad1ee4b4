"""Members and channels as the members capability reads them, and forgetting a member:
``MemberStore``, ``ChannelDirectory`` and ``ForgetStore`` (``bot.core.members.store``).

``DELETED_WITH_MEMBER`` and ``KEPT_COLUMNS`` say, for every table of ``bot.storage.models``, what
forget-me does with it: tables whose rows are about one member are deleted with them (and name the column that ties a
row to its member); every other table names each of its columns and why it holds nothing about a
person, or how forget-me scrubs it. ``tests/storage/test_forget_me.py`` reads the SQLAlchemy
metadata and fails when a table or column is missing here, so a table added later cannot be
forgotten by forget-me.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import ColumnElement, CursorResult, Delete, Select, delete, or_, select, update

from bot.core.members.store import ForgetReport, RetireReport
from bot.core.records import ChannelRecord, MemberRecord
from bot.core.refs import ChannelRef, Platform, ThreadRef, UserRef, parse_target, serialise_target
from bot.storage.base import StoreBase
from bot.storage.mapping import channel_record, member_record
from bot.storage.models import (
    Answer,
    Channel,
    Drill,
    InboxRow,
    Interview,
    Member,
    MemberPause,
    Outbox,
    PairingMember,
    PairingPair,
    PeerMark,
    PracticeDay,
    ProcessedEvent,
    Score,
    slack_installations,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.core.members import ChannelDirectory, ForgetStore, MemberStore, TimezoneStore, WorkspaceStore

log = logging.getLogger(__name__)

DELETED_WITH_MEMBER: dict[str, str] = {
    "member": "id",
    "practice_day": "member_id",
    "answer": "member_id",
    "interview": "candidate_id",
    "score": "answer_id, interview_id",
    "peer_mark": "interview_id",
    "drill": "member_id",
    "member_pause": "member_id",
    "pairing_member": "member_id",
    "pairing_pair": "first_id, second_id, third_id",
}
"""Tables whose rows are about one member, deleted whole, and the column(s) that tie each row to
its member (directly, or through the member's answers and interviews; a drill with the outbox rows
posted into its thread). ``peer_mark`` rows go with the
candidate's interviews, and with their interviewer: forgetting an interviewer deletes their marks on
others' peer mocks and clears ``interview.interviewer_id`` and ``interview.interviewer_note`` there."""

KEPT_COLUMNS: dict[str, dict[str, str]] = {
    "channel": {
        "*": "a channel and its schedule (with its skipped days and pause): a place, not a person",
    },
    "daily_prompt": {
        "*": "a channel's question of the day: the framework's words, the channel's refs, no person",
    },
    "outbox": {
        "target": "deleted: rows posted into the member's interview threads",
        "text": "deleted with those rows; the others hold framework text and fixed titles, not people",
        "payload": "deleted with those rows; the others hold a phase index",
        "subject_id": "an interview id (deleted with those rows), a prompt id, or a pair id (the pair is deleted with "
                      "the member; its rows then send nothing)",
        "dedupe_key": "deleted with those rows; the others are prompt and channel keys",
        "sent_ref": "deleted with those rows; the others name a posted prompt or reveal",
        "error": "deleted with those rows; the others hold a platform's error text",
        "id, purpose, state, attempts, available_at, claimed_at, lease_id, created_at": "bookkeeping",
    },
    "pairing": {
        "*": "a channel's weekly pairing schedule: a place, not a person",
    },
    "pairing_round": {
        "*": "a week's round of a channel's pairing: dates and the reminder's state, no person",
    },
    "lease": {
        "*": "a running process's claim on its work: a host name and a process id, no person",
    },
    "inbox": {
        "item_key, order_key, payload, workspace, member": "deleted: the member's own items (platform and member); "
                                                           "everyone else's are pruned an hour after they are done",
        "id, platform, kind, state, attempts, lease_id, received_at, settled_at": "bookkeeping",
    },
    "processed_event": {
        "event_key": "deleted when one of its ':'-separated parts is the member's id (Slack button clicks)",
        "id, platform, seen_at": "bookkeeping",
    },
    "slack_installations": {
        "user_id": "the Slack id of whoever installed the app: blanked by forget-me (the workspace stays installed)",
        "user_token, user_scopes, user_refresh_token, user_token_expires_at":
            "that person's own token, if one was granted: cleared with the id",
        "id, client_id, app_id, enterprise_id, enterprise_name, enterprise_url, team_id, team_name, bot_token, "
        "bot_id, bot_user_id, bot_scopes, bot_refresh_token, bot_token_expires_at, incoming_webhook_url, "
        "incoming_webhook_channel, incoming_webhook_channel_id, incoming_webhook_configuration_url, "
        "is_enterprise_install, token_type, installed_at": "the workspace, the app and its bot: no person",
    },
    "slack_bots": {
        "*": "a workspace's bot and its token: no person",
    },
    "slack_oauth_states": {
        "*": "a random install-link state and its expiry: no person",
    },
}
"""Tables that outlive a member, column by column (``*``: no column can hold a member reference)."""


def _affected(result: object) -> int:
    return cast("CursorResult[Any]", result).rowcount


def _unsynced(statement: Delete) -> Delete:
    """Bulk deletes: no ORM objects of these rows are loaded in the session to keep in step."""
    return statement.execution_options(synchronize_session=False)


def _like_part(value: str) -> str:
    """``value`` for a LIKE pattern, its wildcards escaped (with ``\\``)."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def names_member(user_id: str) -> ColumnElement[bool]:
    """An event key that has the member's id as one of its ``:``-separated parts."""
    part = _like_part(user_id)
    return or_(
        ProcessedEvent.event_key.like(f"%:{part}:%", escape="\\"),
        ProcessedEvent.event_key.like(f"%:{part}", escape="\\"),
    )


class MemberQueries(StoreBase):
    async def ensure_member(self, user: UserRef, *, timezone: str | None = None) -> MemberRecord:
        """Create or update a member.

        The display name is updated when ``user`` carries one (an empty name never
        overwrites a known one); the timezone only when given.
        """
        async with self._write() as session:
            return member_record(await self._ensure_member(session, user, timezone=timezone))

    async def choose_timezone(self, user: UserRef, *, timezone: str | None) -> MemberRecord:
        async with self._write() as session:
            row = await self._ensure_member(session, user)
            row.chosen_timezone = timezone
            await session.flush()
            return member_record(row)

    async def get_member(self, user: UserRef) -> MemberRecord | None:
        async with self._read() as session:
            member = await self._find_member(session, user)
            return member_record(member) if member is not None else None

    async def get_channel(self, channel: ChannelRef) -> ChannelRecord | None:
        async with self._read() as session:
            row = await self._find_channel(session, channel)
            return channel_record(row) if row is not None else None

    async def forget_member(self, platform: Platform, user_id: str) -> ForgetReport:
        """Delete every row about ``user_id`` on ``platform`` (every workspace) in one transaction.

        The member rows are locked first (PostgreSQL ``FOR UPDATE``; SQLite's ``BEGIN IMMEDIATE``
        already serialises writers), the order ``record_answer`` takes them in, so an answer being
        recorded at the same moment lands before the deletion and goes with it.
        """
        async with self._write() as session:
            members = select(Member.id).where(Member.platform == platform, Member.external_id == user_id)
            member_ids = list(await session.scalars(members.order_by(Member.id).with_for_update()))
            inbox = await session.execute(_unsynced(delete(InboxRow).where(InboxRow.platform == platform,
                                                                            InboxRow.member == user_id)))
            installs = await self._forget_installer(session, platform, user_id)
            if not member_ids:
                events = await session.execute(self._forget_events(platform, user_id))
                return ForgetReport(events=_affected(events), inbox=_affected(inbox),
                                    installs=installs)
            interviews = select(Interview.id).where(Interview.candidate_id.in_(member_ids))
            answers = select(Answer.id).where(Answer.member_id.in_(member_ids))
            scores = await session.execute(
                _unsynced(delete(Score).where(or_(Score.answer_id.in_(answers), Score.interview_id.in_(interviews))))
            )
            outbox = await self._forget_interview_outbox(session, member_ids)
            outbox += await self._forget_drill_outbox(session, member_ids)
            marks = await self._forget_as_interviewer(session, member_ids, interviews)
            answer_rows = await session.execute(_unsynced(delete(Answer).where(Answer.member_id.in_(member_ids))))
            drill_rows = await session.execute(_unsynced(delete(Drill).where(Drill.member_id.in_(member_ids))))
            days = await session.execute(_unsynced(delete(PracticeDay).where(PracticeDay.member_id.in_(member_ids))))
            pauses = await session.execute(_unsynced(delete(MemberPause).where(MemberPause.member_id.in_(member_ids))))
            pairing = await self._forget_pairing(session, member_ids)
            interview_rows = await session.execute(
                _unsynced(delete(Interview).where(Interview.candidate_id.in_(member_ids)))
            )
            events = await session.execute(self._forget_events(platform, user_id))
            member_rows = await session.execute(_unsynced(delete(Member).where(Member.id.in_(member_ids))))
            return ForgetReport(
                members=_affected(member_rows),
                answers=_affected(answer_rows),
                scores=_affected(scores),
                interviews=_affected(interview_rows),
                practice_days=_affected(days),
                events=_affected(events),
                outbox=outbox,
                marks=marks,
                inbox=_affected(inbox),
                drills=_affected(drill_rows),
                pauses=_affected(pauses),
                pairing=pairing,
                installs=installs,
            )

    async def retire_workspace(self, platform: Platform, workspace: str, *, reason: str) -> RetireReport:
        """Schedules off, running interviews ended (versioned, so a tick holding one loses), and pending
        outbox rows aimed at the workspace marked dead with ``reason``; every other row stays."""
        async with self._write() as session:
            channel_ids = list(await session.scalars(
                select(Channel.id).where(Channel.platform == platform, Channel.workspace == workspace)
                .order_by(Channel.id).with_for_update()))
            channels = await session.execute(
                update(Channel).where(Channel.id.in_(channel_ids), Channel.enabled.is_(True))
                .values(enabled=False, next_prompt_at=None).execution_options(synchronize_session=False))
            interviews = await session.execute(
                update(Interview).where(Interview.channel_id.in_(channel_ids), Interview.status == "active")
                .values(status="ended", due_at=None, version=Interview.version + 1)
                .execution_options(synchronize_session=False))
            # Targets are JSON refs: the LIKE narrows the scan, parsing each candidate decides.
            pattern = f'%"workspace":"{_like_part(workspace)}"%'
            candidates = await session.execute(
                select(Outbox.id, Outbox.target).where(Outbox.state == "pending",
                                                       Outbox.target.like(pattern, escape="\\")))
            doomed = []
            for outbox_id, target in candidates:
                ref = parse_target(target)
                channel = ref if isinstance(ref, ChannelRef) else ref.channel
                if (channel.platform, channel.workspace) == (platform, workspace):
                    doomed.append(outbox_id)
            if doomed:
                await session.execute(
                    update(Outbox).where(Outbox.id.in_(doomed), Outbox.state == "pending")
                    .values(state="dead", error=reason[:200]).execution_options(synchronize_session=False))
            return RetireReport(channels=_affected(channels), interviews=_affected(interviews), outbox=len(doomed))

    @staticmethod
    async def _forget_installer(session: AsyncSession, platform: Platform, user_id: str) -> int:
        """Slack installs the person made: their id and own token go, the workspace's bot stays."""
        if platform != "slack":
            return 0
        cleared = await session.execute(
            update(slack_installations).where(slack_installations.c.user_id == user_id)
            .values(user_id="", user_token=None, user_scopes=None, user_refresh_token=None,
                    user_token_expires_at=None)
        )
        return _affected(cleared)

    @staticmethod
    async def _forget_as_interviewer(session: AsyncSession, member_ids: list[int], interviews: Select[Any]) -> int:
        """Peer mocks' marks: every mark on the member's own interviews and every mark they gave as an
        interviewer; their note on others' peer mocks, and their name on them, are cleared."""
        given = select(Interview.id).where(Interview.interviewer_id.in_(member_ids))
        deleted = await session.execute(_unsynced(delete(PeerMark).where(
            or_(PeerMark.interview_id.in_(interviews), PeerMark.interview_id.in_(given)))))
        await session.execute(
            update(Interview).where(Interview.interviewer_id.in_(member_ids))
            .values(interviewer_id=None, interviewer_note=None).execution_options(synchronize_session=False)
        )
        return _affected(deleted)

    @staticmethod
    async def _forget_pairing(session: AsyncSession, member_ids: list[int]) -> int:
        """Weekly pairing: their opt-ins (with their odd-one-out turns) and every pair they were in."""
        joined = await session.execute(_unsynced(delete(PairingMember).where(PairingMember.member_id.in_(member_ids))))
        pairs = await session.execute(_unsynced(delete(PairingPair).where(or_(
            PairingPair.first_id.in_(member_ids), PairingPair.second_id.in_(member_ids),
            PairingPair.third_id.in_(member_ids)))))
        return _affected(joined) + _affected(pairs)

    @staticmethod
    def _forget_events(platform: Platform, user_id: str) -> Delete:
        return _unsynced(delete(ProcessedEvent).where(ProcessedEvent.platform == platform, names_member(user_id)))

    @staticmethod
    async def _forget_interview_outbox(session: AsyncSession, member_ids: list[int]) -> int:
        """Every outbox row of the member's interviews, sent or not: all of them go into the thread."""
        threads = await session.scalars(
            select(Interview.thread_ref)
            .where(Interview.candidate_id.in_(member_ids), Interview.thread_ref.is_not(None))
        )
        targets = sorted({serialise_target(ThreadRef.parse(ref)) for ref in threads if ref})
        if not targets:
            return 0
        return _affected(await session.execute(_unsynced(delete(Outbox).where(Outbox.target.in_(targets)))))

    @staticmethod
    async def _forget_drill_outbox(session: AsyncSession, member_ids: list[int]) -> int:
        """Every outbox row posted into the member's drills' threads (their scores, with quotes)."""
        threads = await session.scalars(select(Drill.thread_ref).where(Drill.member_id.in_(member_ids)))
        targets = sorted({serialise_target(ThreadRef.parse(ref)) for ref in threads if ref})
        if not targets:
            return 0
        return _affected(await session.execute(_unsynced(delete(Outbox).where(Outbox.target.in_(targets)))))


if TYPE_CHECKING:
    def _conforms(
        queries: MemberQueries,
    ) -> tuple[MemberStore, ChannelDirectory, ForgetStore, TimezoneStore, WorkspaceStore]:
        return queries, queries, queries, queries, queries  # mypy checks the ports as declared
