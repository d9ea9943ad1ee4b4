"""The router: each parsed command, button click and thread message to the capability that owns it.

A new capability is a package under ``bot/core`` plus its lines here (a ``case`` per command,
its buttons' action-id prefix in ``action``, its place in ``message``'s order).
"""

from __future__ import annotations

from bot.core.catalog import Catalog
from bot.core.errors import UserError
from bot.core.grammar import (
    DrillCommand,
    ExportCommand,
    ForgetMeCommand,
    HelpCommand,
    HistoryCommand,
    InterviewCommand,
    LeaderboardCommand,
    NoteCommand,
    PairingCommand,
    PauseCommand,
    PromptCommand,
    ResumeCommand,
    ScenariosCommand,
    ScheduleCommand,
    SchedulePauseCommand,
    ScheduleSkipCommand,
    SectionCommand,
    SectionsCommand,
    StatsCommand,
    StreakCommand,
    TeamCommand,
    TimezoneCommand,
    parse_command,
)
from bot.core.interviews import Interviews
from bot.core.members import Forgetting, Pauses, Timezones
from bot.core.messages import Action, CommandContext, InMessage, Reply
from bot.core.pairing import Pairing
from bot.core.peers import PeerMocks
from bot.core.peers.rules import MARK_ACTION_PREFIX, mentioned_user
from bot.core.progress import History, Standings, Stats
from bot.core.prompts import DailyPrompts, Drills, Schedules
from bot.core.refs import ThreadRef

BOTS_REFUSED = "practice-bot is for people: bot accounts cannot run its commands or press its buttons."


class Router:
    def __init__(
        self,
        *,
        catalog: Catalog,
        interviews: Interviews,
        prompts: DailyPrompts,
        schedules: Schedules,
        standings: Standings,
        forgetting: Forgetting,
        stats: Stats,
        peers: PeerMocks,
        timezones: Timezones,
        drills: Drills,
        history: History,
        pauses: Pauses,
        pairing: Pairing,
    ) -> None:
        self._catalog = catalog
        self._interviews = interviews
        self._prompts = prompts
        self._schedules = schedules
        self._standings = standings
        self._forgetting = forgetting
        self._stats = stats
        self._peers = peers
        self._timezones = timezones
        self._drills = drills
        self._history = history
        self._pauses = pauses
        self._pairing = pairing

    async def command(self, ctx: CommandContext, text: str) -> Reply:
        if ctx.user_is_bot:
            raise UserError(BOTS_REFUSED)
        match parse_command(text):
            case HelpCommand():
                return await self._catalog.help()
            case SectionsCommand():
                return await self._catalog.sections()
            case SectionCommand(number=number):
                return await self._catalog.section(number)
            case ScenariosCommand():
                return await self._catalog.scenarios()
            case InterviewCommand(scenario=scenario, minutes=minutes, level=level, quiet=quiet,
                                  interviewer=interviewer):
                peer = mentioned_user(ctx.user, interviewer) if interviewer is not None else None
                return await self._interviews.start(ctx, scenario, minutes, level=level, quiet=quiet,
                                                    interviewer=peer)
            case TimezoneCommand(zone=zone):
                return await self._timezones.handle(ctx, zone)
            case NoteCommand(text=note):
                return await self._peers.note(ctx, note)
            case PauseCommand(days=days):
                return await self._pauses.pause(ctx, days)
            case ResumeCommand():
                return await self._pauses.resume(ctx)
            case ScheduleSkipCommand(day=day):
                return await self._schedules.skip(ctx, day)
            case SchedulePauseCommand(until=until):
                return await self._schedules.pause_until(ctx, until)
            case PairingCommand(action="on") as pairing:
                return await self._pairing.turn_on(ctx, weekday=pairing.weekday, local_time=pairing.local_time,
                                                   timezone=pairing.timezone, odd_policy=pairing.odd_policy)
            case PairingCommand(action="off"):
                return await self._pairing.turn_off(ctx)
            case PairingCommand(action="join"):
                return await self._pairing.join(ctx)
            case PairingCommand(action="leave"):
                return await self._pairing.leave(ctx)
            case PairingCommand():
                return await self._pairing.show(ctx)
            case PromptCommand():
                return await self._prompts.prompt_now(ctx)
            case ScheduleCommand(off=True):
                return await self._schedules.turn_off(ctx)
            case ScheduleCommand() as schedule if schedule.is_query:
                return await self._schedules.show(ctx)
            case ScheduleCommand(local_time=local_time, timezone=timezone, weekdays=weekdays):
                return await self._schedules.change(ctx, local_time=local_time, timezone=timezone, weekdays=weekdays)
            case StreakCommand(member=member):
                return await self._standings.streak(ctx, member)
            case LeaderboardCommand(window=window):
                return await self._standings.leaderboard(ctx, window)
            case ForgetMeCommand():
                return await self._forgetting.ask(ctx)
            case StatsCommand(member=member):
                return await self._stats.personal(ctx, member)
            case TeamCommand(window=window, workspace=workspace):
                return await self._stats.team(ctx, window, workspace=workspace)
            case DrillCommand():
                return await self._drills.start(ctx)
            case HistoryCommand():
                return await self._history.history(ctx)
            case ExportCommand():
                return await self._history.export(ctx)
        raise AssertionError("unhandled command")  # pragma: no cover (the match is exhaustive)

    @staticmethod
    def click_name(action_id: str) -> str:
        """The name a button click counts under (metrics): ``click:<owner>`` from a closed set."""
        owner = action_id.partition(".")[0]
        if owner in {"interview", "prompt", "member"}:
            return f"click:{owner}"
        return "click:peer" if action_id.startswith(MARK_ACTION_PREFIX) else "click:unknown"

    async def action(self, action: Action) -> Reply:
        """A button click: its action id's prefix (``interview.next``) names the owner."""
        if action.user_is_bot:
            raise UserError(BOTS_REFUSED)
        owner = action.action.partition(".")[0]
        if owner == "interview":
            return await self._interviews.handle_action(action)
        if owner == "prompt":
            return await self._prompts.handle_action(action)
        if owner == "member":
            return await self._forgetting.handle_action(action)
        if owner == "pairing":
            return await self._pairing.handle_action(action)
        if action.action.startswith(MARK_ACTION_PREFIX):
            return await self._peers.handle_action(action)
        raise UserError("That button is no longer supported.")

    async def message(self, message: InMessage, thread: ThreadRef) -> None:
        """A message in a thread: the first capability whose thread it is takes it."""
        if await self._interviews.handle_message(message, thread):
            return
        if await self._prompts.handle_message(message, thread):
            return
        await self._drills.handle_message(message, thread)
