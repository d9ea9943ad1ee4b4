"""Each channel's daily prompt schedule, set by its admins."""

from __future__ import annotations

from dataclasses import replace
from datetime import time

from bot.core.errors import NotAllowed, UserError
from bot.core.members import Members
from bot.core.messages import CommandContext, Reply
from bot.core.ports import Clock
from bot.core.prompts import _texts as texts
from bot.core.prompts.rules import next_prompt_at
from bot.core.prompts.store import ScheduleStore
from bot.core.records import Schedule

DEFAULT_SCHEDULE_TIME = time(9, 0)


class Schedules:
    def __init__(self, *, store: ScheduleStore, members: Members, clock: Clock) -> None:
        self._store = store
        self._members = members
        self._clock = clock

    async def show(self, ctx: CommandContext) -> Reply:
        return Reply.one(texts.schedule_message(await self._store.get_channel(ctx.channel)))

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
        )
        if not schedule.weekdays:
            raise UserError("Pick at least one weekday, e.g. `mon-fri`.")
        due = next_prompt_at(schedule, self._clock.now())
        saved = await self._store.save_schedule(ctx.channel, schedule=schedule, next_prompt_at=due)
        return Reply.one(replace(texts.schedule_message(saved), ephemeral=False))
