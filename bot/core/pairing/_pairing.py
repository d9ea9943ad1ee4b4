"""Weekly pairing: turned on per channel by admins, joined by people, run by the clock once a week."""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import datetime, time

from framework import Framework

from bot.core.errors import NotAllowed, UserError, new_error_id
from bot.core.members import Members
from bot.core.messages import Action, CommandContext, Reply, button_number
from bot.core.pairing import _texts as texts
from bot.core.pairing.rules import LOOKBACK, REMIND_AFTER, OddPolicy, make_round, next_round_at, round_date
from bot.core.pairing.store import Kick, PairingRecord, PairingStore, PlannedPair, RoundClaim
from bot.core.ports import Clock
from bot.core.refs import ChannelRef, UserRef

log = logging.getLogger(__name__)

PAIR_MESSAGE = "pairing"
"""The outbox purpose of a member's private message about their pair (``PairingDelivery``)."""
PAIR_REMINDER = "pair_reminder"
PAIR_SIT_OUT = "pair_sit_out"
DEFAULT_WEEKDAY = 0
DEFAULT_TIME = time(9, 0)


class Pairing:
    def __init__(self, *, store: PairingStore, members: Members, flusher: Kick, framework: Framework,
                 clock: Clock, rng: random.Random) -> None:
        self._store = store
        self._members = members
        self._flusher = flusher
        self._framework = framework
        self._clock = clock
        self._rng = rng

    # ------------------------------------------------------------------ commands
    async def turn_on(self, ctx: CommandContext, *, weekday: int | None, local_time: time | None,
                      timezone: str | None, odd_policy: OddPolicy | None) -> Reply:
        if not ctx.can_manage:
            raise NotAllowed(texts.not_admin().text)
        old = await self._store.get_pairing(ctx.channel)
        zone = timezone or (old.timezone if old else await self._members.channel_timezone(ctx.channel))
        day = weekday if weekday is not None else (old.weekday if old else DEFAULT_WEEKDAY)
        at = local_time or (old.local_time if old else DEFAULT_TIME)
        policy = odd_policy or (old.odd_policy if old else "trio")
        pairing = await self._store.save_pairing(
            ctx.channel, weekday=day, local_time=at, timezone=zone, odd_policy=policy, enabled=True,
            next_round_at=next_round_at(day, at, zone, self._clock.now()))
        return Reply.one(texts.pairing_on(pairing))

    async def turn_off(self, ctx: CommandContext) -> Reply:
        if not ctx.can_manage:
            raise NotAllowed(texts.not_admin().text)
        old = await self._store.get_pairing(ctx.channel)
        if old is None or not old.enabled:
            raise UserError(texts.no_pairing())
        await self._store.save_pairing(ctx.channel, weekday=old.weekday, local_time=old.local_time,
                                       timezone=old.timezone, odd_policy=old.odd_policy, enabled=False,
                                       next_round_at=None)
        return Reply.one(texts.pairing_off())

    async def show(self, ctx: CommandContext) -> Reply:
        pairing = await self._store.get_pairing(ctx.channel)
        members = await self._store.pairing_members(pairing.id) if pairing else []
        mine = any(m.user.user_id == ctx.user.user_id for m in members)
        return Reply.one(texts.pairing_status(pairing, len(members), mine))

    async def join(self, ctx: CommandContext) -> Reply:
        return await self._join(ctx.channel, ctx.user, joined=True)

    async def leave(self, ctx: CommandContext) -> Reply:
        return await self._join(ctx.channel, ctx.user, joined=False)

    async def handle_action(self, action: Action) -> Reply:
        """The announcement's Join / Leave buttons (their value: the pairing's id, checked against the channel)."""
        if action.action not in {texts.JOIN, texts.LEAVE}:
            raise UserError("That button is no longer supported.")
        pairing = await self._store.get_pairing(action.message.channel)
        if pairing is None or pairing.id != button_number(action.value):
            raise UserError(texts.no_pairing())
        return await self._join(action.message.channel, action.user, joined=action.action == texts.JOIN)

    async def _join(self, channel: ChannelRef, user: UserRef, *, joined: bool) -> Reply:
        pairing = await self._store.get_pairing(channel)
        if pairing is None or (joined and not pairing.enabled):
            raise UserError(texts.no_pairing())
        changed = await self._store.set_pairing_member(pairing.id, user, joined=joined, now=self._clock.now())
        return Reply.one(texts.joined(pairing, changed) if joined else texts.left(changed))

    # ------------------------------------------------------------------ the clock
    async def run_due(self, now: datetime) -> None:
        """Make every due round (each claimed by one process only) and every due reminder."""
        for pairing in await self._store.due_pairings(now):
            try:
                await self._round(pairing, now)
            except Exception:
                log.exception("error %s in the pairing round of %s; retried on the next tick", new_error_id(),
                              pairing.id)
        for round_id in await self._store.due_reminders(now):
            try:
                await self._store.claim_reminder(round_id, purpose=PAIR_REMINDER)
            except Exception:
                log.exception("error %s in the pairing reminder of round %s; retried on the next tick",
                              new_error_id(), round_id)
        self._flusher.kick()

    async def next_due(self) -> datetime | None:
        return await self._store.next_pairing_due()

    async def _round(self, pairing: PairingRecord, now: datetime) -> None:
        due = pairing.next_round_at
        if due is None:
            return
        members = await self._store.pairing_members(pairing.id)
        history = await self._store.past_rounds(pairing.id, limit=LOOKBACK)
        # CPU work (up to tens of ms for hundreds of members: bench/pairing.py) stays off the event loop.
        plan = await asyncio.to_thread(make_round, [m.member_id for m in members], history, pairing.odd_policy,
                                       self._rng, {m.member_id: m.odd_times for m in members})
        scenarios = [s.id for s in self._framework.scenarios]
        pairs = tuple(PlannedPair(group, self._rng.choice(scenarios)) for group in plan.groups)
        claim = RoundClaim(
            pairing_id=pairing.id, expected_next_at=due,
            next_round_at=next_round_at(pairing.weekday, pairing.local_time, pairing.timezone, max(due, now)),
            local_date=round_date(due, pairing.timezone), remind_at=due + REMIND_AFTER, pairs=pairs,
            odd_id=plan.odd, purpose=PAIR_MESSAGE, sit_out_purpose=PAIR_SIT_OUT if plan.sat_out is not None else None)
        made = await self._store.claim_round(claim)
        if made is not None:
            log.info("pairing %s: %d groups for %d members", pairing.id, len(made), len(members),
                     extra={"event": "pairing.round", "groups": len(made), "members": len(members)})
