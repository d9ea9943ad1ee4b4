"""``/practice``: one slash command group with every subcommand of the command surface.

Each subcommand turns its options back into the text the core parses (``interview url-shortener 30``),
so the grammar, its validation and its friendly errors stay in one place. Options have autocomplete
but accept anything typed: an unknown scenario, section or timezone still reaches the core and gets
its friendly message.

Deadlines: commands that only read the framework answer at once; the others defer first (Discord
allows 3 s) and complete with follow-ups.

Interviews: the core posts the parent message in the channel and opens the thread from it (a private
thread with the candidate added when ``DISCORD_PRIVATE_THREADS`` is set); the command's own reply is
an ephemeral pointer to the thread, so errors (an interview already running, an unknown scenario)
stay private too.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Awaitable, Callable
from dataclasses import replace
from functools import cache
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord import render
from bot.adapters.discord.chat import CommandScope, command_scope
from bot.adapters.discord.ids import channel_ref, interaction_event_key, thread_ref, user_ref
from bot.adapters.discord.inbound import COMMAND_KIND
from bot.adapters.discord.replies import Responder
from bot.core.errors import NotAllowed, new_error_id
from bot.core.guard import guarded
from bot.core.inbox import InboundItem, command_payload
from bot.core.interviews.rules import MAX_MINUTES, MIN_MINUTES
from bot.core.messages import CommandContext, OutMessage, Reply

if TYPE_CHECKING:
    from bot.adapters.discord.client import PracticeBot

log = logging.getLogger(__name__)

MAX_CHOICES = 25  # Discord shows at most 25 autocomplete choices
COMMON_TIMEZONES = (
    "UTC", "Europe/London", "Europe/Berlin", "Europe/Paris", "America/New_York", "America/Chicago",
    "America/Denver", "America/Los_Angeles", "America/Sao_Paulo", "Asia/Kolkata", "Asia/Singapore",
    "Asia/Tokyo", "Australia/Sydney",
)

Window = Literal["week", "month", "all"]
TeamWindow = Literal["week", "month", "quarter"]
PairingAction = Literal["show", "join", "leave", "on", "off"]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
OddOne = Literal["trio", "sit-out"]


@cache
def _timezones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def _words(*parts: str | int | None) -> str:
    return " ".join(str(part) for part in parts if part is not None and str(part).strip())


def _slug(value: str | None, joiner: str) -> str | None:
    """Option values are single words in the core's grammar: inner spaces become ``joiner``."""
    return joiner.join(value.split()) if value and value.strip() else None


def may_manage_schedule(permissions: discord.Permissions) -> bool:
    """Manage Channels (in this channel) or Manage Server; administrators have both."""
    return permissions.administrator or permissions.manage_channels or permissions.manage_guild


async def _refusing_politely(call: Awaitable[Reply]) -> Reply:
    """The core decides who may change a schedule; Discord words the refusal in its own permissions."""
    try:
        return await call
    except NotAllowed:
        return Reply.one(render.not_manager())


@app_commands.guild_only()
class PracticeCog(commands.GroupCog, group_name="practice", group_description=render.Describe.GROUP):
    def __init__(self, bot: PracticeBot) -> None:
        self.bot = bot
        super().__init__()

    # ------------------------------------------------------------------ plumbing
    def _context(self, interaction: discord.Interaction[PracticeBot]) -> CommandContext | None:
        guild_id = interaction.guild_id
        channel_id = interaction.channel_id
        if guild_id is None or channel_id is None:
            return None
        channel = interaction.channel
        thread = None
        parent_id = channel_id
        if isinstance(channel, discord.Thread) and channel.parent_id:
            parent_id = channel.parent_id
            thread = thread_ref(guild_id, parent_id, channel.id)
            self.bot.threads.remember(channel.id, parent_id)
        return CommandContext(
            channel=channel_ref(guild_id, parent_id),
            user=user_ref(interaction.user, guild_id),
            can_manage=may_manage_schedule(interaction.permissions),
            thread=thread,
            user_is_bot=interaction.user.bot,
        )

    async def _instant(self, interaction: discord.Interaction[PracticeBot], text: str) -> None:
        """Commands that only read the framework: answered at once, no defer needed."""
        responder = Responder(interaction)
        ctx = self._context(interaction)
        if ctx is None:
            await responder.send([render.guild_only()])
            return
        reply = await guarded(self.bot.service.handle_command(ctx, text), what=f"discord /practice {text}")
        await responder.send(reply.messages)

    async def _deferred(
        self,
        interaction: discord.Interaction[PracticeBot],
        text: str,
        *,
        ephemeral: bool,
        private_thread: bool = False,
        always_private: bool = False,
        confirmation: Callable[[CommandScope], OutMessage] = lambda scope: render.done(),
    ) -> None:
        """Commands that touch the database: defer, run, then complete with follow-ups."""
        responder = Responder(interaction)
        found = self._context(interaction)
        if found is None:
            await responder.send([render.guild_only()])
            return
        ctx = replace(found, event_key=interaction_event_key(interaction.id))

        async def run() -> None:
            if not await responder.defer(ephemeral=ephemeral):
                return  # too late: Discord already told the person it failed; doing the work would surprise them
            scope = CommandScope(int(ctx.channel.channel_id), interaction.user.id,
                                 private=private_thread or always_private, always_private=always_private)
            with command_scope(scope):
                reply = await guarded(
                    _refusing_politely(self.bot.service.handle_command(ctx, text)), what=f"discord /practice {text}"
                )
            messages = list(reply.messages)
            if not messages:
                messages = [confirmation(scope)]
            await responder.send(messages)

        # Written before the defer (Discord's ack): a crash after it leaves the command to apply again.
        item = InboundItem("discord", ctx.event_key, COMMAND_KIND, f"user:{ctx.user.workspace}:{ctx.user.user_id}",
                           command_payload(ctx, text), workspace=ctx.user.workspace, member=ctx.user.user_id)
        try:
            await self.bot.service.inbox.accept(item, run, inline=True)
        except Exception:
            log.exception("error %s: could not take Discord command %s", new_error_id(), interaction.id)
            await responder.send([render.not_taken()])

    # ------------------------------------------------------------------ subcommands
    @app_commands.command(name="interview", description=render.Describe.INTERVIEW)
    @app_commands.describe(scenario=render.Describe.INTERVIEW_SCENARIO, minutes=render.Describe.INTERVIEW_MINUTES,
                           interviewer=render.Describe.INTERVIEW_WITH)
    async def interview(
        self,
        interaction: discord.Interaction[PracticeBot],
        scenario: str | None = None,
        minutes: app_commands.Range[int, MIN_MINUTES, MAX_MINUTES] | None = None,
        interviewer: discord.User | None = None,
    ) -> None:
        peer = ("with", f"<@{interviewer.id}>") if interviewer is not None else (None, None)
        await self._deferred(
            interaction, _words("interview", _slug(scenario, "-"), minutes, *peer), ephemeral=True,
            private_thread=interviewer is None, confirmation=lambda scope: render.interview_ready(scope.thread_id),
        )

    @app_commands.command(name="note", description=render.Describe.NOTE)
    @app_commands.describe(text=render.Describe.NOTE_TEXT)
    async def note(self, interaction: discord.Interaction[PracticeBot], text: str) -> None:
        await self._deferred(interaction, _words("note", text), ephemeral=True)

    @app_commands.command(name="prompt", description=render.Describe.PROMPT)
    async def prompt(self, interaction: discord.Interaction[PracticeBot]) -> None:
        await self._deferred(
            interaction, "prompt", ephemeral=True, confirmation=lambda scope: render.prompt_posted(scope.thread_id),
        )

    @app_commands.command(name="schedule", description=render.Describe.SCHEDULE)
    @app_commands.describe(
        time=render.Describe.SCHEDULE_TIME,
        timezone=render.Describe.SCHEDULE_TIMEZONE,
        weekdays=render.Describe.SCHEDULE_WEEKDAYS,
        skip=render.Describe.SCHEDULE_SKIP,
        pause_until=render.Describe.SCHEDULE_PAUSE_UNTIL,
    )
    async def schedule(
        self,
        interaction: discord.Interaction[PracticeBot],
        time: str | None = None,
        timezone: str | None = None,
        weekdays: str | None = None,
        skip: str | None = None,
        pause_until: str | None = None,
    ) -> None:
        text = _words("schedule", _slug(time, ""), _slug(timezone, "_"), _slug(weekdays, ""))
        # A skipped day or a pause is its own change in the grammar; given with others, the grammar says so.
        if skip is not None:
            text = _words(text, "skip", _slug(skip, ""))
        elif pause_until is not None:
            until = _slug(pause_until, "")
            text = _words(text, "resume") if until in {"resume", "off", "none"} else _words(text, "pause until", until)
        changing = text != "schedule"
        # A change by someone allowed is announced to the channel; a query or a refusal is private.
        await self._deferred(interaction, text,
                             ephemeral=not (changing and may_manage_schedule(interaction.permissions)))

    @app_commands.command(name="timezone", description=render.Describe.TIMEZONE)
    @app_commands.describe(zone=render.Describe.TIMEZONE_ZONE)
    async def timezone(self, interaction: discord.Interaction[PracticeBot], zone: str | None = None) -> None:
        await self._deferred(interaction, _words("timezone", _slug(zone, "_")), ephemeral=True)

    @app_commands.command(name="pause", description=render.Describe.PAUSE)
    @app_commands.describe(days=render.Describe.PAUSE_DAYS)
    async def pause(self, interaction: discord.Interaction[PracticeBot],
                    days: app_commands.Range[int, 1, 366]) -> None:
        await self._deferred(interaction, _words("pause", days), ephemeral=True)

    @app_commands.command(name="resume", description=render.Describe.RESUME)
    async def resume(self, interaction: discord.Interaction[PracticeBot]) -> None:
        await self._deferred(interaction, "resume", ephemeral=True)

    @app_commands.command(name="pairing", description=render.Describe.PAIRING)
    @app_commands.describe(action=render.Describe.PAIRING_ACTION, weekday=render.Describe.PAIRING_WEEKDAY,
                           time=render.Describe.PAIRING_TIME, timezone=render.Describe.PAIRING_TIMEZONE,
                           odd=render.Describe.PAIRING_ODD)
    async def pairing(self, interaction: discord.Interaction[PracticeBot], action: PairingAction = "show",
                      weekday: Weekday | None = None, time: str | None = None, timezone: str | None = None,
                      odd: OddOne | None = None) -> None:
        words: list[str] = [] if action == "show" else [action]
        if action == "on":
            words += [w for w in (weekday, _slug(time, ""), _slug(timezone, "_"), odd) if w]
        # Turning it on or off is announced to the channel (by someone allowed); the rest is private.
        public = action in {"on", "off"} and may_manage_schedule(interaction.permissions)
        await self._deferred(interaction, _words("pairing", *words), ephemeral=not public)

    @app_commands.command(name="streak", description=render.Describe.STREAK)
    @app_commands.describe(member=render.Describe.STREAK_MEMBER)
    async def streak(self, interaction: discord.Interaction[PracticeBot], member: discord.User | None = None) -> None:
        await self._deferred(interaction, _words("streak", f"<@{member.id}>" if member else None), ephemeral=True)

    @app_commands.command(name="leaderboard", description=render.Describe.LEADERBOARD)
    @app_commands.describe(window=render.Describe.LEADERBOARD_WINDOW)
    async def leaderboard(self, interaction: discord.Interaction[PracticeBot], window: Window = "all") -> None:
        await self._deferred(interaction, _words("leaderboard", window), ephemeral=False)

    @app_commands.command(name="stats", description=render.Describe.STATS)
    @app_commands.describe(member=render.Describe.STATS_MEMBER)
    async def stats(self, interaction: discord.Interaction[PracticeBot], member: discord.User | None = None) -> None:
        # A personal picture: seen by the asker alone (an ephemeral follow-up with the attachment).
        await self._deferred(interaction, _words("stats", f"<@{member.id}>" if member else None), ephemeral=True)

    @app_commands.command(name="drill", description=render.Describe.DRILL)
    async def drill(self, interaction: discord.Interaction[PracticeBot]) -> None:
        # Discord has no threads in direct messages: the drill is a private thread in this channel.
        await self._deferred(interaction, "drill", ephemeral=True, always_private=True,
                             confirmation=lambda scope: render.drill_ready(scope.thread_id))

    @app_commands.command(name="history", description=render.Describe.HISTORY)
    async def history(self, interaction: discord.Interaction[PracticeBot]) -> None:
        await self._deferred(interaction, "history", ephemeral=True)

    @app_commands.command(name="export", description=render.Describe.EXPORT)
    async def export(self, interaction: discord.Interaction[PracticeBot]) -> None:
        # The transcript and its JSON as ephemeral attachments: only the member sees them.
        await self._deferred(interaction, "export", ephemeral=True)

    @app_commands.command(name="team", description=render.Describe.TEAM)
    @app_commands.describe(window=render.Describe.TEAM_WINDOW, server=render.Describe.TEAM_SERVER)
    async def team(self, interaction: discord.Interaction[PracticeBot], window: TeamWindow = "month",
                   server: bool = False) -> None:
        await self._deferred(interaction, _words("team", window, "server" if server else None), ephemeral=False)

    @app_commands.command(name="sections", description=render.Describe.SECTIONS)
    async def sections(self, interaction: discord.Interaction[PracticeBot]) -> None:
        await self._instant(interaction, "sections")

    @app_commands.command(name="section", description=render.Describe.SECTION)
    @app_commands.describe(number=render.Describe.SECTION_NUMBER)
    async def section(self, interaction: discord.Interaction[PracticeBot], number: int) -> None:
        await self._instant(interaction, _words("section", number))

    @app_commands.command(name="scenarios", description=render.Describe.SCENARIOS)
    async def scenarios(self, interaction: discord.Interaction[PracticeBot]) -> None:
        await self._instant(interaction, "scenarios")

    @app_commands.command(name="forget-me", description=render.Describe.FORGET_ME)
    async def forget_me(self, interaction: discord.Interaction[PracticeBot]) -> None:
        await self._deferred(interaction, "forget-me", ephemeral=True)

    @app_commands.command(name="help", description=render.Describe.HELP)
    async def help(self, interaction: discord.Interaction[PracticeBot]) -> None:
        await self._instant(interaction, "help")

    # ------------------------------------------------------------------ autocomplete
    @interview.autocomplete("scenario")
    async def _scenario_choices(
        self, interaction: discord.Interaction[PracticeBot], current: str
    ) -> list[app_commands.Choice[str]]:
        wanted = current.lower().strip()
        choices = [
            app_commands.Choice(name=render.cut(f"{s.title} ({s.id})", 100), value=s.id)
            for s in self.bot.service.framework.scenarios
            if wanted in s.id or wanted in s.title.lower()
        ]
        return choices[:MAX_CHOICES]

    @section.autocomplete("number")
    async def _section_choices(
        self, interaction: discord.Interaction[PracticeBot], current: str
    ) -> list[app_commands.Choice[int]]:
        wanted = current.lower().strip()
        return [
            app_commands.Choice(name=render.cut(f"{s.number}. {s.title}", 100), value=s.number)
            for s in self.bot.service.framework.sections
            if not wanted or str(s.number).startswith(wanted) or wanted in s.title.lower()
        ][:MAX_CHOICES]

    @schedule.autocomplete("timezone")
    @timezone.autocomplete("zone")
    @pairing.autocomplete("timezone")
    async def _timezone_choices(
        self, interaction: discord.Interaction[PracticeBot], current: str
    ) -> list[app_commands.Choice[str]]:
        wanted = current.strip().replace(" ", "_").lower()
        if not wanted:
            names = list(COMMON_TIMEZONES)
        else:
            zones = _timezones()
            names = [z for z in zones if z.lower().startswith(wanted)]
            names += [z for z in zones if wanted in z.lower() and z not in names]
        return [app_commands.Choice(name=name, value=name) for name in names[:MAX_CHOICES]]

    @schedule.autocomplete("weekdays")
    async def _weekday_choices(
        self, interaction: discord.Interaction[PracticeBot], current: str
    ) -> list[app_commands.Choice[str]]:
        wanted = current.strip().lower()
        return [
            app_commands.Choice(name=value, value=value)
            for value in render.WEEKDAY_SUGGESTIONS
            if value.startswith(wanted) or not wanted
        ]


async def setup(bot: PracticeBot) -> None:
    await bot.add_cog(PracticeCog(bot))
