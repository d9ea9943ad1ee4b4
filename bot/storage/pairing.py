"""Weekly pairing: a channel's pairing, who joined, rounds claimed once per pairing and local date, their
pairs and reminders. Implements ``PairingStore`` (``bot.core.pairing.store``)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING, cast

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.pairing.rules import OddPolicy, PastRound
from bot.core.pairing.store import PairingMember, PairingRecord, PairRecord, RoundClaim
from bot.core.records import OutboxDraft
from bot.core.refs import ChannelRef, UserRef
from bot.storage.base import StoreBase
from bot.storage.mapping import channel_ref, user_ref
from bot.storage.models import Channel, Interview, Member, Pairing, PairingPair, PairingRound
from bot.storage.models import PairingMember as PairingMemberRow

if TYPE_CHECKING:
    from bot.core.pairing import PairingStore

log = logging.getLogger(__name__)


def _record(row: Pairing, channel: Channel) -> PairingRecord:
    return PairingRecord(id=row.id, channel=channel_ref(channel), weekday=row.weekday,
                         local_time=row.local_time.replace(tzinfo=None), timezone=row.timezone,
                         odd_policy=cast("OddPolicy", row.odd_policy), enabled=row.enabled,
                         next_round_at=row.next_round_at)


class PairingQueries(StoreBase):
    async def get_pairing(self, channel: ChannelRef) -> PairingRecord | None:
        async with self._read() as session:
            found = await self._find_channel(session, channel)
            if found is None:
                return None
            row = (await session.scalars(select(Pairing).where(Pairing.channel_id == found.id))).one_or_none()
            return _record(row, found) if row is not None else None

    async def save_pairing(self, channel: ChannelRef, *, weekday: int, local_time: time, timezone: str,
                           odd_policy: OddPolicy, enabled: bool, next_round_at: datetime | None) -> PairingRecord:
        async with self._write() as session:
            found = await self._ensure_channel(session, channel)
            values = {"weekday": weekday, "local_time": local_time, "timezone": timezone, "odd_policy": odd_policy,
                      "enabled": enabled, "next_round_at": next_round_at}
            await session.execute(self._insert(Pairing).values(channel_id=found.id, **values)
                                  .on_conflict_do_update(index_elements=["channel_id"], set_=values))
            row = (await session.scalars(select(Pairing).where(Pairing.channel_id == found.id)
                                         .execution_options(populate_existing=True))).one()
            return _record(row, found)

    async def set_pairing_member(self, pairing_id: int, user: UserRef, *, joined: bool, now: datetime) -> bool:
        async with self._write() as session:
            member = await self._ensure_member(session, user)
            if joined:
                added = await session.execute(
                    self._insert(PairingMemberRow).values(pairing_id=pairing_id, member_id=member.id, joined_at=now)
                    .on_conflict_do_nothing(index_elements=["pairing_id", "member_id"])
                    .returning(PairingMemberRow.id))
                return added.first() is not None
            removed = await session.execute(
                delete(PairingMemberRow).where(PairingMemberRow.pairing_id == pairing_id,
                                               PairingMemberRow.member_id == member.id)
                .returning(PairingMemberRow.id).execution_options(synchronize_session=False))
            return removed.first() is not None

    async def pairing_members(self, pairing_id: int) -> list[PairingMember]:
        async with self._read() as session:
            rows = await session.execute(
                select(Member, PairingMemberRow.odd_times)
                .join(PairingMemberRow, PairingMemberRow.member_id == Member.id)
                .where(PairingMemberRow.pairing_id == pairing_id).order_by(Member.id))
            return [PairingMember(row.id, user_ref(row), odd_times) for row, odd_times in rows]

    async def past_rounds(self, pairing_id: int, *, limit: int) -> list[PastRound]:
        async with self._read() as session:
            rounds = list(await session.scalars(
                select(PairingRound).where(PairingRound.pairing_id == pairing_id)
                .order_by(PairingRound.local_date.desc()).limit(limit)))
            if not rounds:
                return []
            pairs = await session.scalars(select(PairingPair).where(PairingPair.round_id.in_([r.id for r in rounds])))
            groups: dict[int, list[tuple[int, ...]]] = {}
            for pair in pairs:
                members = (pair.first_id, pair.second_id, *([pair.third_id] if pair.third_id else []))
                groups.setdefault(pair.round_id, []).append(members)
            odd: dict[int | None, int] = {round_id: member_id for round_id, member_id in await session.execute(
                select(PairingMemberRow.last_odd_round_id, PairingMemberRow.member_id)
                .where(PairingMemberRow.pairing_id == pairing_id,
                       PairingMemberRow.last_odd_round_id.in_([r.id for r in rounds])))}
            return [PastRound(tuple(groups.get(r.id, [])), odd.get(r.id)) for r in rounds]

    async def due_pairings(self, now: datetime) -> list[PairingRecord]:
        async with self._read() as session:
            rows = await session.execute(
                select(Pairing, Channel).join(Channel, Channel.id == Pairing.channel_id)
                .where(Pairing.enabled, Pairing.next_round_at <= now).order_by(Pairing.next_round_at).limit(500))
            return [_record(row, channel) for row, channel in rows]

    async def claim_round(self, claim: RoundClaim) -> list[PairRecord] | None:
        async with self._write() as session:
            moved = await session.execute(
                update(Pairing).where(Pairing.id == claim.pairing_id, Pairing.enabled,
                                      Pairing.next_round_at == claim.expected_next_at)
                .values(next_round_at=claim.next_round_at).returning(Pairing.id)
                .execution_options(synchronize_session=False))
            if moved.first() is None:
                log.debug("pairing %s was moved on by another process", claim.pairing_id)
                return None
            round_id = (await session.execute(
                self._insert(PairingRound).values(
                    pairing_id=claim.pairing_id, local_date=claim.local_date, created_at=claim.expected_next_at,
                    remind_at=claim.remind_at, reminded=False)
                .on_conflict_do_nothing(index_elements=["pairing_id", "local_date"])
                .returning(PairingRound.id))).scalar_one_or_none()
            if round_id is None:  # this date's round exists (the schedule was changed and came back to it)
                return []
            for planned in claim.pairs:
                ids = planned.member_ids
                session.add(PairingPair(round_id=round_id, first_id=ids[0], second_id=ids[1],
                                        third_id=ids[2] if len(ids) > 2 else None, scenario_id=planned.scenario_id))
            if claim.odd_id is not None:
                await session.execute(
                    update(PairingMemberRow).where(PairingMemberRow.pairing_id == claim.pairing_id,
                                                   PairingMemberRow.member_id == claim.odd_id)
                    .values(odd_times=PairingMemberRow.odd_times + 1, last_odd_round_id=round_id)
                    .execution_options(synchronize_session=False))
            await session.flush()
            pairs = await self._pairs_of(session, round_id)
            rows = _rows(pairs, claim.purpose)
            if claim.sit_out_purpose is not None and claim.odd_id is not None:
                # The row names the round; the sitter is read when it is sent (their membership's last odd round).
                pairing = await session.get_one(Pairing, claim.pairing_id)
                where = channel_ref(await session.get_one(Channel, pairing.channel_id))
                rows.append(OutboxDraft(where, "Sitting out this week", claim.sit_out_purpose,
                                        f"{claim.sit_out_purpose}:{round_id}", subject_id=round_id))
            await self._enqueue_in(session, rows)
            return pairs

    async def due_reminders(self, now: datetime) -> list[int]:
        async with self._read() as session:
            ids = await session.scalars(select(PairingRound.id).where(~PairingRound.reminded,
                                                                      PairingRound.remind_at <= now).limit(500))
            return list(ids)

    async def claim_reminder(self, round_id: int, *, purpose: str) -> list[PairRecord] | None:
        async with self._write() as session:
            won = await session.execute(
                update(PairingRound).where(PairingRound.id == round_id, ~PairingRound.reminded)
                .values(reminded=True).returning(PairingRound.id).execution_options(synchronize_session=False))
            if won.first() is None:
                return None
            pairs = await self._pairs_of(session, round_id)
            await self._enqueue_in(session, _rows(pairs, purpose))
            return pairs

    async def round_sitter(self, round_id: int) -> UserRef | None:
        async with self._read() as session:
            member = (await session.scalars(
                select(Member).join(PairingMemberRow, PairingMemberRow.member_id == Member.id)
                .where(PairingMemberRow.last_odd_round_id == round_id))).first()
            return user_ref(member) if member is not None else None

    async def get_pair(self, pair_id: int) -> PairRecord | None:
        async with self._read() as session:
            found = await self._pairs_of(session, None, pair_id=pair_id)
            return found[0] if found else None

    async def pair_mocks(self, pair: PairRecord, *, since: datetime) -> int:
        async with self._read() as session:
            ids = list(await session.scalars(select(Member.id).where(or_(*(
                and_(Member.platform == u.platform, Member.workspace == u.workspace, Member.external_id == u.user_id)
                for u in pair.members)))))
            count = await session.scalar(select(func.count(Interview.id)).where(
                Interview.candidate_id.in_(ids), Interview.interviewer_id.in_(ids), Interview.started_at >= since))
            return int(count or 0)

    async def next_pairing_due(self) -> datetime | None:
        async with self._read() as session:
            rounds = await session.scalar(select(func.min(Pairing.next_round_at)).where(Pairing.enabled))
            reminders = await session.scalar(select(func.min(PairingRound.remind_at)).where(~PairingRound.reminded))
            found = [moment for moment in (rounds, reminders) if moment is not None]
            return min((m if m.tzinfo else m.replace(tzinfo=UTC) for m in found), default=None)

    @staticmethod
    async def _pairs_of(session: AsyncSession, round_id: int | None, *, pair_id: int | None = None) -> list[PairRecord]:
        query = (select(PairingPair, PairingRound, Channel)
                 .join(PairingRound, PairingRound.id == PairingPair.round_id)
                 .join(Pairing, Pairing.id == PairingRound.pairing_id)
                 .join(Channel, Channel.id == Pairing.channel_id))
        query = query.where(PairingPair.id == pair_id) if pair_id is not None else query.where(
            PairingPair.round_id == round_id)
        rows = list(await session.execute(query.order_by(PairingPair.id)))
        member_ids = {i for pair, _r, _c in rows for i in (pair.first_id, pair.second_id, pair.third_id) if i}
        members = {m.id: user_ref(m) for m in await session.scalars(select(Member).where(Member.id.in_(member_ids)))}
        found = []
        for pair, round_row, channel in rows:
            ids = [pair.first_id, pair.second_id, *([pair.third_id] if pair.third_id else [])]
            if not all(i in members for i in ids):
                continue
            found.append(PairRecord(pair.id, round_row.id, channel_ref(channel), round_row.local_date,
                                    tuple(members[i] for i in ids), pair.scenario_id))
        return found


def _rows(pairs: list[PairRecord], purpose: str) -> list[OutboxDraft]:
    """One private message per member of each pair: its target is the pairing's channel, where it is about."""
    return [OutboxDraft(pair.channel, "Your practice pair", purpose, f"{purpose}:{pair.id}:{place}",
                        payload=str(place), subject_id=pair.id)
            for pair in pairs for place in range(len(pair.members))]


if TYPE_CHECKING:
    def _conforms(queries: PairingQueries) -> PairingStore:
        return queries  # mypy checks that the queries implement the port as declared
