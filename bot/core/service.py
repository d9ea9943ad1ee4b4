"""Use cases the adapters call: commands, thread messages, button clicks, and the tick.

Every scheduled effect goes through the store's claims and outbox (see ``dispatch``),
so a restart resumes where it stopped and two processes never post twice.
"""

from __future__ import annotations

import difflib
import logging
import random
from collections.abc import Awaitable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from framework import Framework, Scenario

from bot.core import texts
from bot.core.commands import (
    HelpCommand,
    InterviewCommand,
    LeaderboardCommand,
    PromptCommand,
    ScenariosCommand,
    ScheduleCommand,
    SectionCommand,
    SectionsCommand,
    SteerWord,
    StreakCommand,
    parse_command,
    parse_steer,
    strip_invisible,
)
from bot.core.dispatch import Dispatcher, outbox_key
from bot.core.errors import NotAllowed, UserError, new_error_id
from bot.core.interviews import (
    DEFAULT_MINUTES,
    enter_phase,
    is_overdue,
    next_hint,
    nudge_due,
    plan_phases,
    seconds_left,
    total_seconds_left,
)
from bot.core.messages import Action, InMessage, Reply
from bot.core.ports import Chat, Clock, Scorer, Store
from bot.core.prompts import (
    choose_prompt,
    latest_slot,
    next_prompt_at,
    prompt_local_date,
    window_closes_at,
)
from bot.core.records import (
    AnswerDraft,
    AnswerRecord,
    ChannelMove,
    ChannelRecord,
    DailyPromptDraft,
    DailyPromptRecord,
    InterviewChanges,
    InterviewDraft,
    InterviewRecord,
    OutboxDraft,
    Schedule,
)
from bot.core.refs import ChannelRef, Platform, ThreadRef, UserRef
from bot.core.streaks import effective_current, local_date

log = logging.getLogger(__name__)

MAX_ANSWER_CHARS = 20_000
DEFAULT_SCHEDULE_TIME = time(9, 0)
EVENT_RETENTION = timedelta(days=3)
FANOUT_BATCH = 25
"""Due channels moved on (and their prompts claimed) per transaction; the dispatcher is nudged after each."""
FANOUT_ROUND = 500
"""Due channels read at a time."""


@dataclass(frozen=True, slots=True)
class CommandContext:
    """Who asked, where, and what the platform says they may do."""

    channel: ChannelRef
    user: UserRef
    can_manage: bool = False
    user_timezone: str | None = None
    thread: ThreadRef | None = None


def same_person(a: UserRef, b: UserRef) -> bool:
    return (a.platform, a.user_id, a.workspace) == (b.platform, b.user_id, b.workspace)


class PracticeService:
    def __init__(
        self,
        *,
        store: Store,
        framework: Framework,
        scorer: Scorer,
        clock: Clock,
        rng: random.Random | None = None,
        default_timezone: str = "UTC",
        prompt_window_hours: float | None = None,
    ) -> None:
        self.store = store
        self.framework = framework
        self.scorer = scorer
        self.clock = clock
        self.rng = rng or random.Random()  # noqa: S311 (variety, not security)
        self.default_timezone = default_timezone
        self.prompt_window_hours = prompt_window_hours
        self.chats: dict[Platform, Chat] = {}
        self.dispatcher = Dispatcher(self)

    def attach(self, chat: Chat) -> None:
        """Register a platform's Chat; scheduled posts for that platform go through it."""
        self.chats[chat.platform] = chat

    def chat_for(self, platform: Platform) -> Chat:
        try:
            return self.chats[platform]
        except KeyError:
            raise RuntimeError(f"no chat adapter attached for {platform}") from None

    # ------------------------------------------------------------------ commands
    async def handle_command(self, ctx: CommandContext, text: str) -> Reply:
        command = parse_command(text)
        if isinstance(command, HelpCommand):
            return Reply.one(texts.help_message())
        if isinstance(command, SectionsCommand):
            return Reply.one(texts.sections_message(self.framework))
        if isinstance(command, SectionCommand):
            return Reply.one(texts.section_message(self.framework.section(command.number)))
        if isinstance(command, ScenariosCommand):
            return Reply.one(texts.scenarios_message(self.framework))
        if isinstance(command, InterviewCommand):
            return await self.start_interview(ctx, command.scenario, command.minutes)
        if isinstance(command, PromptCommand):
            return await self.prompt_now(ctx)
        if isinstance(command, ScheduleCommand):
            return await self.schedule(ctx, command)
        if isinstance(command, StreakCommand):
            return await self.streak(ctx, command.member)
        if isinstance(command, LeaderboardCommand):
            return await self.leaderboard(ctx, command.window)
        raise AssertionError(f"unhandled command {command!r}")

    def find_scenario(self, name: str | None) -> Scenario:
        if name is None:
            return self.rng.choice(self.framework.scenarios)
        wanted = name.lower().strip()
        for scenario in self.framework.scenarios:
            if wanted in {scenario.id, scenario.title.lower()}:
                return scenario
        ids = [s.id for s in self.framework.scenarios]
        close = difflib.get_close_matches(wanted, ids, n=1, cutoff=0.6)
        hint = f" Did you mean `{close[0]}`?" if close else ""
        raise UserError(f"Unknown scenario `{wanted[:40]}`.{hint} Try `/practice scenarios`.")

    async def start_interview(self, ctx: CommandContext, scenario_name: str | None, minutes: int | None) -> Reply:
        scenario = self.find_scenario(scenario_name)
        total = minutes or DEFAULT_MINUTES
        phases = plan_phases(self.framework, total)
        running = await self.store.active_interview(ctx.user)
        if running is not None:
            raise UserError("You already have an interview running. Say `end` in its thread to stop it first.")
        await self.store.ensure_member(ctx.user, timezone=ctx.user_timezone)
        chat = self.chat_for(ctx.channel.platform)
        root = await chat.send(ctx.channel, texts.interview_parent(ctx.user.mention, scenario, total))
        thread = await chat.start_thread(root, f"Mock interview: {scenario.title}")
        now = self.clock.now()
        draft = InterviewDraft(ctx.channel, ctx.user, scenario.id, total, phases, now)
        interview = await self.store.create_interview(
            draft, changes=replace(enter_phase(phases, 0, now), thread=thread)
        )
        if interview is None:  # a second command raced this one and won
            await chat.edit(root, texts.error_message("Not started: you already have an interview running."))
            raise UserError("You already have an interview running. Say `end` in its thread to stop it first.")
        await self.store.enqueue([self._phase_opening(interview)])
        await self.dispatcher.flush(bulk=False)
        return Reply()

    async def prompt_now(self, ctx: CommandContext) -> Reply:
        channel = await self.store.get_channel(ctx.channel)
        timezone = self._channel_timezone(channel)
        now = self.clock.now()
        today = local_date(now, timezone)
        latest = await self.store.latest_prompt(ctx.channel)
        if latest is not None and latest.local_date == today:
            raise UserError(
                f"Today's prompt is already up: {latest.question} Answer in its thread, "
                "or try `/practice interview` for more."
            )
        posted = await self._claim_prompt(ctx.channel, timezone, today, now)
        if not posted:
            raise UserError("Today's prompt was just posted: answer in its thread.")
        await self.dispatcher.flush()
        return Reply()

    async def schedule(self, ctx: CommandContext, command: ScheduleCommand) -> Reply:
        channel = await self.store.get_channel(ctx.channel)
        if command.is_query:
            return Reply.one(texts.schedule_message(channel))
        if not ctx.can_manage:
            raise NotAllowed(texts.not_admin().text)
        if command.off:
            await self.store.save_schedule(ctx.channel, schedule=None, next_prompt_at=None)
            return Reply.one(texts.schedule_off())
        old = channel.schedule if channel else None
        schedule = Schedule(
            local_time=command.local_time or (old.local_time if old else DEFAULT_SCHEDULE_TIME),
            timezone=command.timezone or (old.timezone if old else ctx.user_timezone or self.default_timezone),
            weekdays=command.weekdays if command.weekdays is not None else (
                old.weekdays if old else frozenset(range(5))
            ),
        )
        if not schedule.weekdays:
            raise UserError("Pick at least one weekday, e.g. `mon-fri`.")
        due = next_prompt_at(schedule, self.clock.now())
        saved = await self.store.save_schedule(ctx.channel, schedule=schedule, next_prompt_at=due)
        return Reply.one(replace(texts.schedule_message(saved), ephemeral=False))

    async def streak(self, ctx: CommandContext, member: str | None) -> Reply:
        who = ctx.user
        if member:
            user_id = member.strip().lstrip("<").rstrip(">").lstrip("@").lstrip("!").split("|")[0].lstrip("@")
            if not user_id:
                raise UserError("Usage: `/practice streak [member]`.")
            who = UserRef(ctx.user.platform, user_id, ctx.user.workspace, member if member.startswith("@") else "")
        record = await self.store.get_member(who)
        if member and record is None:
            raise UserError(f"I haven't seen {member[:40]} practise here yet.")
        name = record.ref.mention if record else who.mention
        streak = await self.store.get_streak(who)
        channel = await self.store.get_channel(ctx.channel)
        timezone = self._member_timezone(record.timezone if record else None, channel)
        today = local_date(self.clock.now(), timezone)
        current = effective_current(streak.current, streak.last_day, today) if streak else 0
        return Reply.one(texts.streak_message(name, streak, current))

    async def leaderboard(self, ctx: CommandContext, window: str) -> Reply:
        channel = await self.store.get_channel(ctx.channel)
        today = local_date(self.clock.now(), self._channel_timezone(channel))
        rows = await self.store.leaderboard(
            platform=ctx.channel.platform,
            workspace=ctx.channel.workspace,
            window=window,  # type: ignore[arg-type]
            today=today,
        )
        return Reply.one(texts.leaderboard_message(window, rows))

    # ------------------------------------------------------------------ inbound messages
    async def handle_message(self, message: InMessage) -> None:
        """A message someone wrote. Only thread messages matter: answers and steering."""
        thread = message.ref.thread
        if message.author_is_bot or thread is None:
            return
        interview = await self.store.interview_by_thread(thread)
        if interview is not None:
            await self._interview_message(interview, message)
            return
        prompt = await self.store.prompt_by_thread(thread)
        if prompt is None:
            return
        text = clean_answer(message.text)
        if not text:
            return
        if prompt.closed or message.sent_at >= prompt.closes_at:
            # The checklist is out: a late reply is a comment, not practice (or streaks never break).
            log.info("reply %s after prompt %s closed: not counted", message.event_key, prompt.id)
            return
        answer = await self._record_answer(message, text, prompt.channel, prompt_id=prompt.id)
        if answer is not None:
            chat = self.chat_for(message.ref.channel.platform)
            if chat.capabilities.reactions:
                await chat.react(message.ref, "white_check_mark")

    async def handle_edit(self, event_key: str, text: str) -> None:
        cleaned = clean_answer(text)
        if cleaned:
            await self.store.update_answer_text(event_key, cleaned)
        else:
            await self.store.withdraw_answer(event_key)

    async def handle_delete(self, event_key: str) -> None:
        await self.store.withdraw_answer(event_key)

    async def _interview_message(self, interview: InterviewRecord, message: InMessage) -> None:
        if not same_person(interview.candidate, message.author) or interview.status != "active":
            return  # others' messages stay as comments; a finished thread is a discussion
        steer = parse_steer(message.text)
        if steer is not None:
            if await self.store.remember_event(message.ref.channel.platform, message.event_key, now=self.clock.now()):
                await self.steer(interview, steer)
            return
        text = clean_answer(message.text)
        if not text:
            return
        await self._record_answer(message, text, interview.channel, interview_id=interview.id,
                                  phase_index=interview.phase_index)

    async def _record_answer(self, message: InMessage, text: str, channel: ChannelRef, *,
                             prompt_id: int | None = None, interview_id: int | None = None,
                             phase_index: int | None = None) -> AnswerRecord | None:
        """Record once per event key, on the author's practice day (see ``_member_timezone``)."""
        member = await self.store.ensure_member(message.author, timezone=message.author_timezone)
        timezone = self._member_timezone(member.timezone, await self.store.get_channel(channel))
        return await self.store.record_answer(
            AnswerDraft(
                member=message.author,
                text=text,
                event_key=message.event_key,
                created_at=message.sent_at,
                local_date=local_date(message.sent_at, timezone),
                message=message.ref,
                prompt_id=prompt_id,
                interview_id=interview_id,
                phase_index=phase_index,
            )
        )

    async def handle_action(self, action: Action) -> Reply:
        """A button click. The reply is for the clicker only."""
        if action.action in {texts.NEXT, texts.HINT, texts.END}:
            interview, phase_index = await self._interview_for_action(action)
            if not same_person(interview.candidate, action.user):
                return Reply.one(texts.not_candidate(interview.candidate.mention))
            if interview.status != "active":
                raise UserError("This interview is over. Start another with `/practice interview`.")
            if action.action != texts.END and phase_index is not None and phase_index != interview.phase_index:
                current = interview.current_phase
                section = self.framework.section(current.section) if current else None
                return Reply.one(texts.stale_button(section))
            if await self.store.remember_event(action.user.platform, action.event_key, now=self.clock.now()):
                word: SteerWord = {texts.NEXT: "next", texts.HINT: "hint", texts.END: "end"}[action.action]  # type: ignore[assignment]
                await self.steer(interview, word)
            return Reply()
        if action.action == texts.CHECKLIST:
            prompt = await self.store.get_prompt(_int(action.value))
            if prompt is None:
                raise UserError("I can't find that prompt any more.")
            if not prompt.closed and self.clock.now() < prompt.closes_at:
                return Reply.one(texts.checklist_not_yet(prompt.closes_at))
            return Reply.one(texts.checklist(self.framework.section(prompt.section), prompt.question))
        raise UserError("That button is no longer supported.")

    async def _interview_for_action(self, action: Action) -> tuple[InterviewRecord, int | None]:
        """The interview a button belongs to, and the phase it was shown for (None: older buttons)."""
        interview_part, _, phase_part = action.value.partition("-")
        interview = await self.store.get_interview(_int(interview_part))
        if interview is None:
            raise UserError("I can't find that interview any more.")
        return interview, _int(phase_part) if phase_part else None

    # ------------------------------------------------------------------ interview steering
    async def steer(self, interview: InterviewRecord, word: SteerWord) -> None:
        if word in {"next", "skip", "end"}:
            await self.advance(interview, reason=word)
        elif word == "hint":
            await self._hint(interview)
        elif word == "time":
            phase = interview.current_phase
            if phase is None or interview.thread is None:
                return
            now = self.clock.now()
            await self.chat_for(interview.channel.platform).send(
                interview.thread,
                texts.time_left(
                    self.framework.section(phase.section),
                    seconds_left(interview, now),
                    total_seconds_left(interview, now),
                ),
            )
        await self.dispatcher.flush(bulk=False)

    async def _hint(self, interview: InterviewRecord) -> None:
        phase = interview.current_phase
        if phase is None or interview.thread is None:
            return
        section = self.framework.section(phase.section)
        item = next_hint(section, interview.hints_used)
        if item is None:
            await self.store.enqueue(
                [OutboxDraft(interview.thread, texts.no_more_hints(section).text, "notice",
                             outbox_key("iv", interview.id, "nohint", interview.version))]
            )
            return
        scenario = self.framework.scenario(interview.scenario_id)
        await self.store.transition_interview(
            interview.id,
            expected_version=interview.version,
            changes=InterviewChanges(hints_used=(*interview.hints_used, item.id)),
            outbox=[
                OutboxDraft(
                    interview.thread,
                    texts.hint(item.probe.replace("{scenario}", scenario.title)).text,
                    "notice",
                    outbox_key("iv", interview.id, "hint", item.id),
                )
            ],
        )

    async def advance(self, interview: InterviewRecord, *, reason: str) -> InterviewRecord | None:
        """Leave the current phase (next, skip, deadline or end). Claimed: one winner."""
        if interview.status != "active" or interview.thread is None:
            return None
        now = self.clock.now()
        index = interview.phase_index
        section = self.framework.section(interview.phases[index].section)
        outbox: list[OutboxDraft] = []
        if reason == "deadline":
            outbox.append(OutboxDraft(interview.thread, texts.time_up(section).text, "notice",
                                      outbox_key("iv", interview.id, "timeup", index)))
        skipped = (*interview.skipped, index) if reason == "skip" else interview.skipped
        if reason == "end":
            changes = InterviewChanges(status="ended", clear_deadlines=True, skipped=skipped)
            outbox.append(OutboxDraft(interview.thread, texts.interview_ended_early().text, "notice",
                                      outbox_key("iv", interview.id, "ended")))
        else:
            changes = replace(enter_phase(interview.phases, index + 1, now), skipped=skipped)
        finishing = changes.status in {"finished", "ended"}
        if not finishing:
            upcoming = replace(interview, phase_index=index + 1)
            outbox.append(self._phase_opening(upcoming))
        has_answers = bool(await self.store.answers_for_phase(interview.id, index))
        if finishing:
            outbox.append(OutboxDraft(interview.thread, "Scorecard", "scorecard",
                                      outbox_key("iv", interview.id, "scorecard"), subject_id=interview.id))
        elif has_answers and reason != "skip":
            outbox.append(OutboxDraft(interview.thread, f"Score for {section.title}", "score",
                                      outbox_key("iv", interview.id, "score", index),
                                      payload=str(index), subject_id=interview.id))
        return await self.store.transition_interview(
            interview.id, expected_version=interview.version, changes=changes, outbox=outbox
        )

    def _phase_opening(self, interview: InterviewRecord) -> OutboxDraft:
        if interview.thread is None:
            raise ValueError(f"interview {interview.id} has no thread")
        phase = interview.phases[interview.phase_index]
        section = self.framework.section(phase.section)
        scenario = self.framework.scenario(interview.scenario_id)
        message = texts.phase_opening(interview, section, scenario, total_phases=len(interview.phases))
        return OutboxDraft(
            interview.thread,
            message.text,
            "phase",
            outbox_key("iv", interview.id, "open", interview.phase_index),
            payload=str(interview.phase_index),
            subject_id=interview.id,
        )

    # ------------------------------------------------------------------ the clock's tick
    async def tick(self, *, bulk: bool = True) -> None:
        """Do whatever is due. Safe to run in several processes at once.

        Each item is handled on its own: one bad row (say, a scenario removed from the content)
        is logged with an error id and retried next tick, and never stops the others. With
        ``bulk=False`` (the runtime's ticker) the tick returns once interviews' messages are out
        while a fan-out of daily prompts goes on in the background, so a fan-out to thousands of
        channels does not hold up the next tick's deadlines and nudges.
        """
        now = self.clock.now()
        await self._fan_out(now)
        for interview in await self.store.due_interviews(now):
            await self._each(self._due_interview(interview, now), f"interview {interview.id}")
        for prompt in await self.store.due_prompt_closings(now):
            await self._each(self._close_prompt(prompt), f"closing prompt {prompt.id}")
        await self.dispatcher.flush(bulk=bulk)

    async def _fan_out(self, now: datetime) -> None:
        """Claim every channel's due prompt, a batch per transaction, nudging the dispatcher after
        each batch so posting overlaps claiming. Channels are read a round at a time, each round
        after the last channel of the one before, so channels that fail (they stay due and are
        retried on the next tick) never keep the others waiting."""
        after: ChannelRecord | None = None
        while True:
            due = await self.store.due_channels(now, limit=FANOUT_ROUND, after=after)
            for start in range(0, len(due), FANOUT_BATCH):
                batch = due[start:start + FANOUT_BATCH]
                try:
                    await self._move_channels(batch, now)
                except Exception:
                    log.exception("error %s in daily prompts for %d channels; retried on the next tick",
                                  new_error_id(), len(batch))
                self.dispatcher.kick()
            if len(due) < FANOUT_ROUND:
                return
            after = due[-1]

    async def _each(self, work: Awaitable[object], what: str) -> None:
        try:
            await work
        except Exception:
            log.exception("error %s in %s; retried on the next tick", new_error_id(), what)

    async def _due_interview(self, interview: InterviewRecord, now: datetime) -> None:
        if is_overdue(interview, now):
            await self.advance(interview, reason="deadline")
        elif nudge_due(interview, now) and interview.thread is not None:
            phase = interview.phases[interview.phase_index]
            section = self.framework.section(phase.section)
            await self.store.transition_interview(
                interview.id,
                expected_version=interview.version,
                changes=InterviewChanges(nudged=True),
                outbox=[OutboxDraft(interview.thread, texts.nudge(seconds_left(interview, now), section).text,
                                    "nudge", outbox_key("iv", interview.id, "nudge", interview.phase_index))],
            )

    async def _close_prompt(self, prompt: DailyPromptRecord) -> None:
        if prompt.thread is None:
            return
        await self.store.claim_prompt_close(
            prompt.id,
            outbox=[OutboxDraft(prompt.thread, "Checklist revealed", "reveal",
                                outbox_key("prompt", prompt.id, "reveal"), subject_id=prompt.id)],
        )

    async def prune(self) -> int:
        return await self.store.prune_events(older_than=self.clock.now() - EVENT_RETENTION)

    async def _move_channels(self, channels: list[ChannelRecord], now: datetime) -> None:
        """Move the channels on and claim their prompts in one write (a channel whose move cannot
        be worked out is logged and left due)."""
        moves = []
        for channel in channels:
            try:
                move = await self._channel_move(channel, now)
            except Exception:
                log.exception("error %s in the daily prompt for channel %s; retried on the next tick",
                              new_error_id(), channel.id)
                continue
            if move is not None:
                moves.append(move)
        await self.store.move_channels(moves)

    async def _channel_move(self, channel: ChannelRecord, now: datetime) -> ChannelMove | None:
        schedule, due_at = channel.schedule, channel.next_prompt_at
        if schedule is None or due_at is None:
            return None
        move = ChannelMove(channel.id, due_at, next_prompt_at(schedule, max(due_at, now)))
        # After downtime the stored due time may be days old: what matters is the latest slot that
        # has passed. Today's is posted (late); a whole day missed is not posted at all.
        latest = latest_slot(schedule, now) or due_at
        local_day = prompt_local_date(schedule, latest)
        if local_day != local_date(now, schedule.timezone):
            return move
        draft, outbox = await self._prompt_draft(channel.ref, schedule.timezone, local_day, now)
        return replace(move, prompt=draft, outbox=(outbox,))

    async def _prompt_draft(
        self, where: ChannelRef, timezone: str, local_day: date, now: datetime
    ) -> tuple[DailyPromptDraft, OutboxDraft]:
        recent = await self.store.recent_prompts(where, since=local_day - timedelta(days=15))
        choice = choose_prompt(self.framework, recent, local_day, self.rng)
        closes_at = window_closes_at(timezone, local_day, self.prompt_window_hours, now)
        draft = DailyPromptDraft(where, local_day, choice.section.number, choice.scenario.id, choice.item.id,
                                 choice.question, closes_at)
        return draft, OutboxDraft(where, choice.question, "prompt",
                                  outbox_key("prompt", where.serialise(), local_day))

    async def _claim_prompt(self, where: ChannelRef, timezone: str, local_day: date, now: datetime) -> bool:
        draft, outbox = await self._prompt_draft(where, timezone, local_day, now)
        return await self.store.claim_daily_prompt(draft, outbox=[outbox]) is not None

    def _member_timezone(self, member_timezone: str | None, channel: ChannelRecord | None) -> str:
        """Whose day is it? The member's timezone, else the channel's, else the default: everywhere."""
        return member_timezone or self._channel_timezone(channel)

    def _channel_timezone(self, channel: ChannelRecord | None) -> str:
        if channel is not None and channel.schedule is not None:
            return channel.schedule.timezone
        return self.default_timezone


def clean_answer(text: str) -> str:
    """What counts of an answer: invisible characters dropped, trimmed, capped in length.

    Line breaks stay (answers are often lists); only the first ``MAX_ANSWER_CHARS`` are kept.
    """
    return strip_invisible(text[: MAX_ANSWER_CHARS * 2]).strip()[:MAX_ANSWER_CHARS]


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise UserError("That button's data is damaged; try the command again.") from None
