"""Pauses: ``/practice pause <days>`` takes days off without breaking a streak; ``/practice resume``."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.core.errors import UserError
from bot.core.members import _texts as texts
from bot.core.members._members import Members
from bot.core.members.store import PauseStore
from bot.core.messages import CommandContext, Reply
from bot.core.ports import Clock
from bot.core.records import Pause

log = logging.getLogger(__name__)

DEFAULT_MAX_PAUSE_DAYS = 14


class Pauses:
    """A pause starts today in the member's own day (``Members.member_timezone``) and lasts at most
    ``max_days``; the streak rules (``bot.core.progress.rules``) read the stored pauses."""

    def __init__(self, *, store: PauseStore, members: Members, clock: Clock,
                 max_days: int = DEFAULT_MAX_PAUSE_DAYS) -> None:
        self._store = store
        self._members = members
        self._clock = clock
        self.max_days = max_days

    async def pause(self, ctx: CommandContext, days: int) -> Reply:
        if not 1 <= days <= self.max_days:
            raise UserError(f"A pause lasts 1 to {self.max_days} days at a time, e.g. `/practice pause 7`.")
        today = await self._today(ctx)
        current = await self._store.member_pauses(ctx.user, ending_from=today)
        if current:
            raise UserError(texts.already_paused(current[-1].last_day))
        pause = Pause(today, today + timedelta(days=days - 1))
        await self._store.start_pause(ctx.user, pause, now=self._clock.now())
        log.info("member paused for %d days", days, extra={"event": "member.paused", "days": days})
        return Reply.one(texts.paused(pause.first_day, pause.last_day, days))

    async def resume(self, ctx: CommandContext) -> Reply:
        today = await self._today(ctx)
        ended = await self._store.end_pause(ctx.user, today=today)
        if ended is None:
            return Reply.one(texts.not_paused())
        return Reply.one(texts.resumed(ended, today))

    async def _today(self, ctx: CommandContext) -> date:
        member = await self._members.find(ctx.user)
        timezone = await self._members.member_timezone(member.timezone if member else ctx.user_timezone,
                                                       ctx.channel)
        return self._clock.now().astimezone(ZoneInfo(timezone)).date()
