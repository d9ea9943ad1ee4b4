"""Each channel's daily prompt schedule, set by its admins."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, time, timedelta

from bot.core.errors import NotAllowed, UserError
from bot.core.members import Members
from bot.core.messages import CommandContext, Reply
from bot.core.ports import Clock
from bot.core.progress.rules import local_date
from bot.core.prompts import _texts as texts
from bot.core.prompts.rules import next_prompt_at
from bot.core.prompts.store import ScheduleStore
from bot.core.records import Schedule

DEFAULT_SCHEDULE_TIME = time(9, 0)
MAX_BREAK_DAYS = 366
"""How far ahead a skipped day or a pause may reach."""


class Schedules:
    def __init__(self, *, store: ScheduleStore, members: Members, clock: Clock) -> None:
        self._store = store
        self._members = members
        self._clock = clock

    async def show(self, ctx: CommandContext) -> Reply:
        channel = await self._store.get_channel(ctx.channel)
        if channel is not None and channel.schedule is not None:
            today = local_date(self._clock.now(), channel.schedule.timezone)
            channel = replace(channel, schedule=_without_past(channel.schedule, today))
        return Reply.one(texts.schedule_message(channel))

    async def turn_off(self, ctx: CommandContext) -> Reply:
        if not ctx.can_manage:
            raise NotAllowed(texts.not_admin().text)
        await self._store.save_schedule(ctx.channel, schedule=None, next_prompt_at=None)
        return Reply.one(texts.schedule_off())

    async def change(
        self,
        ctx: CommandContext,
        *,
        local_time: time | None = None,
        timezone: str | None = None,
        weekdays: frozenset[int] | None = None,
    ) -> Reply:
        """Change what is given and keep the rest (defaults for a channel with no schedule yet)."""
        if not ctx.can_manage:
            raise NotAllowed(texts.not_admin().text)
        channel = await self._store.get_channel(ctx.channel)
        old = channel.schedule if channel else None
        schedule = Schedule(
            local_time=local_time or (old.local_time if old else DEFAULT_SCHEDULE_TIME),
            timezone=timezone or (old.timezone if old else ctx.user_timezone or self._members.default_timezone),
            weekdays=weekdays if weekdays is not None else (old.weekdays if old else frozenset(range(5))),
            skipped=old.skipped if old else frozenset(),
            paused_until=old.paused_until if old else None,
        )
        if not schedule.weekdays:
            raise UserError("Pick at least one weekday, e.g. `mon-fri`.")
        due = next_prompt_at(schedule, self._clock.now())
        saved = await self._store.save_schedule(ctx.channel, schedule=schedule, next_prompt_at=due)
        return Reply.one(replace(texts.schedule_message(saved), ephemeral=False))

    async def skip(self, ctx: CommandContext, day: date) -> Reply:
        """No daily prompt on ``day`` (the channel's local date)."""
        return await self._break(ctx, day, lambda schedule: replace(schedule, skipped=schedule.skipped | {day}))

    async def pause_until(self, ctx: CommandContext, until: date | None) -> Reply:
        """No daily prompt up to and including ``until``; ``None`` resumes now."""
        return await self._break(ctx, until, lambda schedule: replace(schedule, paused_until=until))

    async def _break(self, ctx: CommandContext, day: date | None, change: Callable[[Schedule], Schedule]) -> Reply:
        if not ctx.can_manage:
            raise NotAllowed(texts.not_admin().text)
        channel = await self._store.get_channel(ctx.channel)
        if channel is None or channel.schedule is None or not channel.schedule.enabled:
            raise UserError(texts.no_schedule_to_break())
        now = self._clock.now()
        today = local_date(now, channel.schedule.timezone)
        if day is not None and day < today:
            raise UserError(texts.date_in_past(day))
        if day is not None and day > today + timedelta(days=MAX_BREAK_DAYS):
            raise UserError(texts.date_too_far(day, MAX_BREAK_DAYS))
        schedule = _without_past(change(channel.schedule), today)  # days gone by are forgotten
        saved = await self._store.save_schedule(ctx.channel, schedule=schedule,
                                                next_prompt_at=next_prompt_at(schedule, now))
        return Reply.one(replace(texts.schedule_message(saved), ephemeral=False))


def _without_past(schedule: Schedule, today: date) -> Schedule:
    """The schedule without skipped days or a pause that are over."""
    paused = schedule.paused_until if schedule.paused_until and schedule.paused_until >= today else None
    return replace(schedule, skipped=frozenset(d for d in schedule.skipped if d >= today), paused_until=paused)
