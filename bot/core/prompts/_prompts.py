"""Daily prompts: the fan-out to every scheduled channel, prompts on request, answers in their
threads, the checklist button, and closing each prompt's answer window."""

from __future__ import annotations

import logging
import random
from dataclasses import replace
from datetime import date, datetime, timedelta

from framework import Framework

from bot.core.chats import Chats
from bot.core.errors import UserError, new_error_id
from bot.core.members import Members
from bot.core.messages import Action, CommandContext, InMessage, Reply, button_number
from bot.core.normalise import MAX_ANSWER_CHARS, fit_answer
from bot.core.outbox import Sender, outbox_key
from bot.core.ports import Clock
from bot.core.progress import Practice
from bot.core.progress.rules import local_date
from bot.core.progress.stats import ScoreScope, section_means
from bot.core.progress.store import ScoredAnswers
from bot.core.prompts import _texts as texts
from bot.core.prompts.rules import (
    PRACTICE_WINDOW_DAYS,
    SectionPractice,
    choose_prompt,
    latest_slot,
    next_prompt_at,
    prompt_local_date,
    window_closes_at,
)
from bot.core.prompts.store import PromptStore
from bot.core.records import ChannelMove, ChannelRecord, DailyPromptDraft, DailyPromptRecord, OutboxDraft
from bot.core.refs import ChannelRef, ThreadRef, same_person
from bot.core.texts import answer_cut

log = logging.getLogger(__name__)

FANOUT_BATCH = 25
"""Due channels moved on (and their prompts claimed) per transaction; the dispatcher is nudged after each."""
FANOUT_ROUND = 500
"""Due channels read at a time."""


class DailyPrompts:
    def __init__(
        self,
        *,
        store: PromptStore,
        members: Members,
        practice: Practice,
        chats: Chats,
        outbox: Sender,
        framework: Framework,
        clock: Clock,
        rng: random.Random,
        scores: ScoredAnswers,
        window_hours: float | None = None,
    ) -> None:
        self._store = store
        self._scores = scores
        self._members = members
        self._practice = practice
        self._chats = chats
        self._outbox = outbox
        self._framework = framework
        self._clock = clock
        self._rng = rng
        self._window_hours = window_hours

    # ------------------------------------------------------------------ the command
    async def prompt_now(self, ctx: CommandContext) -> Reply:
        timezone = await self._members.channel_timezone(ctx.channel)
        now = self._clock.now()
        today = local_date(now, timezone)
        latest = await self._store.latest_prompt(ctx.channel)
        if latest is not None and latest.local_date == today:
            raise UserError(texts.prompt_already_up(latest))
        draft, outbox = await self._prompt_draft(ctx.channel, timezone, today, now)
        if await self._store.claim_daily_prompt(draft, outbox=[outbox]) is None:
            raise UserError("Today's prompt was just posted: answer in its thread.")
        await self._outbox.flush()
        return Reply()

    # ------------------------------------------------------------------ the thread
    async def handle_message(self, message: InMessage, thread: ThreadRef) -> bool:
        """A message in ``thread``: True when the thread is a daily prompt's (handled here)."""
        prompt = await self._store.prompt_by_thread(thread)
        if prompt is None:
            return False
        fitted = fit_answer(message.text)
        text = fitted.text
        if not text:
            return True
        if prompt.closed or message.sent_at >= prompt.closes_at:
            # The checklist is out: a late reply is a comment, not practice (or streaks never break).
            log.info("reply %s after prompt %s closed: not counted", message.event_key, prompt.id)
            return True
        answer = await self._practice.record(message, text, prompt.channel, prompt_id=prompt.id)
        if answer is not None:
            chat = self._chats.chat_for(message.ref.channel.platform)
            if chat.capabilities.reactions:
                await chat.react(message.ref, "white_check_mark")
            if fitted.cut:
                await chat.send(thread, answer_cut(MAX_ANSWER_CHARS))
        return True

    async def handle_action(self, action: Action) -> Reply:
        """The Show checklist button: only once the answer window has closed."""
        if action.action != texts.CHECKLIST:
            raise UserError("That button is no longer supported.")
        prompt = await self._store.get_prompt(button_number(action.value))
        if prompt is None:
            raise UserError("I can't find that prompt any more.")
        if not prompt.closed and self._clock.now() < prompt.closes_at:
            answered = any(same_person(a.member, action.user) and not a.withdrawn
                           for a in await self._store.answers_for_prompt(prompt.id))
            timezone = await self._members.channel_timezone(prompt.channel)
            return Reply.one(texts.checklist_not_yet(prompt.closes_at, timezone, answered=answered))
        return Reply.one(texts.checklist(self._framework.section(prompt.section), prompt.question))

    # ------------------------------------------------------------------ the clock
    async def fan_out(self, now: datetime) -> None:
        """Claim every channel's due prompt, a batch per transaction, nudging the dispatcher after
        each batch so posting overlaps claiming. Channels are read a round at a time, each round
        after the last channel of the one before, so channels that fail (they stay due and are
        retried on the next tick) never keep the others waiting."""
        after: ChannelRecord | None = None
        while True:
            due = await self._store.due_channels(now, limit=FANOUT_ROUND, after=after)
            for start in range(0, len(due), FANOUT_BATCH):
                batch = due[start:start + FANOUT_BATCH]
                try:
                    await self._move_channels(batch, now)
                except Exception:
                    log.exception("error %s in daily prompts for %d channels; retried on the next tick",
                                  new_error_id(), len(batch))
                self._outbox.kick()
            if len(due) < FANOUT_ROUND:
                return
            after = due[-1]

    async def due_closings(self, now: datetime) -> list[DailyPromptRecord]:
        return await self._store.due_prompt_closings(now)

    async def next_due(self) -> datetime | None:
        return await self._store.next_prompt_due()

    async def close(self, prompt: DailyPromptRecord) -> None:
        """Close a prompt's answer window once; the reveal (checklist and scores) goes out after."""
        if prompt.thread is None:
            return
        await self._store.claim_prompt_close(
            prompt.id,
            outbox=[OutboxDraft(prompt.thread, "Checklist revealed", "reveal",
                                outbox_key("prompt", prompt.id, "reveal"), subject_id=prompt.id)],
        )

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
        await self._store.move_channels(moves)

    async def _channel_move(self, channel: ChannelRecord, now: datetime) -> ChannelMove | None:
        schedule, due_at = channel.schedule, channel.next_prompt_at
        if schedule is None or due_at is None:
            return None
        move = ChannelMove(channel.id, due_at, next_prompt_at(schedule, max(due_at, now)))
        # After downtime the stored due time may be days old: what matters is the latest slot that
        # has passed. Today's is posted (late); a whole day missed is not posted at all.
        latest = latest_slot(schedule, now) or due_at
        local_day = prompt_local_date(schedule, latest)
        if local_day != local_date(now, schedule.timezone) or not schedule.posts_on(local_day):
            return move
        draft, outbox = await self._prompt_draft(channel.ref, schedule.timezone, local_day, now)
        return replace(move, prompt=draft, outbox=(outbox,))

    async def channel_practice(self, where: ChannelRef, today: date) -> dict[int, SectionPractice]:
        """The channel's scored answers per section over the last ``PRACTICE_WINDOW_DAYS`` (prompt
        answers and interview phases): what weights the next prompt's section."""
        scope = ScoreScope(where.platform, where.workspace, channel=where)
        facts = await self._scores.scored_answers(scope, since=today - timedelta(days=PRACTICE_WINDOW_DAYS))
        return {section: SectionPractice(answers, mean) for section, (answers, mean) in section_means(facts).items()}

    async def _prompt_draft(
        self, where: ChannelRef, timezone: str, local_day: date, now: datetime
    ) -> tuple[DailyPromptDraft, OutboxDraft]:
        recent = await self._store.recent_prompts(where, since=local_day - timedelta(days=15))
        practice = await self.channel_practice(where, local_day)
        choice = choose_prompt(self._framework, recent, local_day, self._rng, practice)
        closes_at = window_closes_at(timezone, local_day, self._window_hours, now)
        draft = DailyPromptDraft(where, local_day, choice.section.number, choice.scenario.id, choice.item.id,
                                 choice.question, closes_at)
        return draft, OutboxDraft(where, choice.question, "prompt",
                                  outbox_key("prompt", where.serialise(), local_day))

