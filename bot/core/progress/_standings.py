"""Streaks and the leaderboard, as people ask for them."""

from __future__ import annotations

from bot.core.errors import UserError
from bot.core.members import Members
from bot.core.messages import CommandContext, Reply
from bot.core.ports import Clock
from bot.core.progress import _texts as texts
from bot.core.progress.rules import active_pause, live_current, local_date, named_member
from bot.core.progress.store import StandingsStore
from bot.core.records import Window


class Standings:
    def __init__(self, *, store: StandingsStore, members: Members, clock: Clock) -> None:
        self._store = store
        self._members = members
        self._clock = clock

    async def streak(self, ctx: CommandContext, member: str | None) -> Reply:
        who = ctx.user
        if member:
            named = named_member(ctx.user, member)
            if named is None:
                raise UserError("Usage: `/practice streak [member]`.")
            who = named
        record = await self._members.find(who)
        if member and record is None:
            raise UserError(f"I haven't seen {member[:40]} practise here yet.")
        name = record.ref.mention if record else who.mention
        streak = await self._store.get_streak(who)
        timezone = await self._members.member_timezone(record.timezone if record else None, ctx.channel)
        today = local_date(self._clock.now(), timezone)
        current = live_current(streak, today)
        given = await self._store.interviews_given(who)
        pause = active_pause(today, streak.pauses) if streak else None
        away_until = pause.last_day if pause is not None and pause.first_day <= today else None
        return Reply.one(texts.streak_message(name, streak, current, interviews_given=given, away_until=away_until))

    async def leaderboard(self, ctx: CommandContext, window: Window) -> Reply:
        today = local_date(self._clock.now(), await self._members.channel_timezone(ctx.channel))
        rows = await self._store.leaderboard(
            platform=ctx.channel.platform,
            workspace=ctx.channel.workspace,
            window=window,
            today=today,
        )
        return Reply.one(texts.leaderboard_message(window, rows))
