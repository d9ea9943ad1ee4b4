"""``/practice stats`` and ``/practice team``: progress as pictures, each with its text fallback.

The core computes the series (``progress.stats``) and asks the ``Charts`` port for a PNG; when
there is no renderer or it fails, the message goes without the file and carries the fallback.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from datetime import timedelta

from framework import Framework

from bot.core.errors import UserError, new_error_id
from bot.core.members import Members
from bot.core.messages import Attachment, CommandContext, OutMessage, Reply
from bot.core.ports import Charts, Clock
from bot.core.progress import _stats_texts as texts
from bot.core.progress.rules import live_current, local_date, named_member
from bot.core.progress.stats import (
    CALENDAR_WEEKS,
    ScoreFact,
    ScoreScope,
    TeamWindow,
    personal_chart,
    team_chart,
    team_window_start,
    week_start,
)
from bot.core.progress.store import StatsStore, StreakReader
from bot.core.refs import UserRef

log = logging.getLogger(__name__)


def mentioned(ctx: CommandContext, member: str | None) -> UserRef:
    """The person a command names (``<@U123>``, ``<@!123>``, ``@name``), or the asker."""
    if not member:
        return ctx.user
    named = named_member(ctx.user, member)
    if named is None:
        raise UserError("Name a member the way the platform mentions them, e.g. `/practice stats @alice`.")
    return named


class Stats:
    def __init__(self, *, store: StatsStore, standings: StreakReader, members: Members, clock: Clock,
                 framework: Framework, charts: Charts | None) -> None:
        self._store = store
        self._standings = standings
        self._members = members
        self._clock = clock
        self._framework = framework
        self._charts = charts

    async def personal(self, ctx: CommandContext, member: str | None) -> Reply:
        who = mentioned(ctx, member)
        record = await self._members.find(who)
        if member and record is None:
            raise UserError(texts.nobody_seen(member))
        timezone = await self._members.member_timezone(record.timezone if record else None, ctx.channel)
        today = local_date(self._clock.now(), timezone)
        since = week_start(today) - timedelta(weeks=CALENDAR_WEEKS - 1)
        facts = await self._store.scored_answers(ScoreScope(who.platform, who.workspace, member=who), since=since)
        days = await self._store.practice_days(who, since=since)
        name = (record.ref.display_name or record.ref.mention) if record else who.mention
        chart = personal_chart(facts, days, self._framework, today=today, name=name)
        streak = await self._standings.get_streak(who)
        current = live_current(streak, today)
        reply = texts.personal_message(chart, current=current, longest=streak.longest if streak else 0,
                                       ephemeral=True)
        fallback = texts.personal_fallback(chart)
        png = await self._draw(self._charts.personal(chart) if self._charts else None)
        return Reply.one(self._with_picture(reply, png, "practice-stats.png", texts.personal_alt(chart), fallback))

    async def team(self, ctx: CommandContext, window: TeamWindow, *, workspace: bool) -> Reply:
        timezone = await self._members.channel_timezone(ctx.channel)
        today = local_date(self._clock.now(), timezone)
        scope = ScoreScope(ctx.channel.platform, ctx.channel.workspace, channel=None if workspace else ctx.channel)
        facts = await self._store.scored_answers(scope, since=team_window_start(window, today))
        chart = team_chart(facts, self._framework, window=window, today=today,
                           where="the workspace" if workspace else "this channel", names=_names(facts))
        png = await self._draw(self._charts.team(chart) if self._charts else None)
        return Reply.one(self._with_picture(texts.team_message(chart), png, "practice-team.png",
                                            texts.team_alt(chart), texts.team_fallback(chart)))

    async def _draw(self, drawing: Awaitable[bytes] | None) -> bytes | None:
        """The PNG, or ``None`` (no renderer, or it failed: logged with an error id; text goes instead)."""
        if drawing is None:
            return None
        try:
            png = await drawing
        except Exception:
            log.exception("error %s drawing a chart; the text fallback is sent instead", new_error_id())
            return None
        return png if isinstance(png, bytes) and png else None

    @staticmethod
    def _with_picture(reply: OutMessage, png: bytes | None, filename: str, alt: str, fallback: str) -> OutMessage:
        picture = Attachment(filename=filename, data=png or b"", alt=alt, fallback=fallback)
        with_file = OutMessage(text=reply.text, blocks=reply.blocks, title=reply.title, ephemeral=reply.ephemeral,
                               files=(picture,))
        return with_file if png else with_file.text_only()


def _names(facts: list[ScoreFact]) -> dict[UserRef, str]:
    return {UserRef(f.member.platform, f.member.user_id, f.member.workspace): f.member.display_name or f.member.mention
            for f in facts}
