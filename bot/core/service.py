"""The composition root of the core: builds each capability on its narrow ports and wires them.

Adapters and the runtime talk to ``PracticeService`` only: commands, thread messages, edits,
button clicks and the clock's tick go in; every use case lives in its capability package
(``interviews``, ``prompts``, ``progress``, ``members``, ``catalog``) and the router
(``commands``) hands each inbound item to its owner. Every scheduled effect goes through the
store's claims and the outbox, so a restart resumes where it stopped and two processes never
post twice.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable
from datetime import timedelta
from typing import Protocol

from framework import Framework

from bot.core.catalog import Catalog
from bot.core.chats import Chats
from bot.core.commands import Router
from bot.core.errors import new_error_id
from bot.core.events import EventPruning
from bot.core.interviews import InterviewDelivery, InterviewOutbox, Interviews, InterviewScoreStore, ProbePolicy
from bot.core.members import Members, MemberStore
from bot.core.messages import Action, CommandContext, InMessage, Reply
from bot.core.outbox import Dispatcher, OutboxStore
from bot.core.ports import Chat, Clock, Prober, Scorer
from bot.core.progress import Practice, PracticeStore, Standings, StandingsStore
from bot.core.prompts import DailyPrompts, PromptDelivery, PromptDeliveryStore, PromptStore, Schedules, ScheduleStore

log = logging.getLogger(__name__)

EVENT_RETENTION = timedelta(days=3)


class Store(
    MemberStore,
    PracticeStore,
    StandingsStore,
    InterviewOutbox,
    InterviewScoreStore,
    PromptStore,
    ScheduleStore,
    PromptDeliveryStore,
    OutboxStore,
    EventPruning,
    Protocol,
):
    """Every capability's ports at once: what the one database behind them all implements
    (``bot.storage.SqlStore``). Only this composition root sees it whole."""


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
        prober: Prober | None = None,
        coverage: Scorer | None = None,
        probes: ProbePolicy | None = None,
    ) -> None:
        """``prober`` phrases follow-up questions (the LLM scorer, when one is configured);
        ``coverage`` finds what an answer misses on the clock's tick (the offline scorer; by
        default ``scorer``); ``probes`` says when follow-ups are asked."""
        self.store = store
        self.framework = framework
        self.scorer = scorer
        self.clock = clock
        rng = rng or random.Random()  # noqa: S311 (variety, not security)
        self.chats = Chats()
        members = Members(store=store, channels=store, default_timezone=default_timezone)
        self.practice = Practice(store=store, members=members)
        self.dispatcher = Dispatcher(store=store, chats=self.chats, clock=clock)
        for delivery in (
            InterviewDelivery(store=store, scorer=scorer, framework=framework, clock=clock, prober=prober),
            PromptDelivery(store=store, members=members, scorer=scorer, framework=framework, clock=clock),
        ):
            for kind in delivery.kinds():
                self.dispatcher.register(kind)
        self.interviews = Interviews(store=store, members=members, practice=self.practice, chats=self.chats,
                                     outbox=self.dispatcher, framework=framework, clock=clock, rng=rng,
                                     coverage=coverage or scorer, probes=probes)
        self.prompts = DailyPrompts(store=store, members=members, practice=self.practice, chats=self.chats,
                                    outbox=self.dispatcher, framework=framework, clock=clock, rng=rng,
                                    window_hours=prompt_window_hours)
        self.router = Router(
            catalog=Catalog(framework=framework),
            interviews=self.interviews,
            prompts=self.prompts,
            schedules=Schedules(store=store, members=members, clock=clock),
            standings=Standings(store=store, members=members, clock=clock),
        )

    def attach(self, chat: Chat) -> None:
        """Register a platform's Chat; scheduled posts for that platform go through it."""
        self.chats.attach(chat)

    # ------------------------------------------------------------------ inbound
    async def handle_command(self, ctx: CommandContext, text: str) -> Reply:
        return await self.router.command(ctx, text)

    async def handle_message(self, message: InMessage) -> None:
        """A message someone wrote. Only thread messages matter: answers and steering."""
        thread = message.ref.thread
        if message.author_is_bot or thread is None:
            return
        await self.router.message(message, thread)

    async def handle_edit(self, event_key: str, text: str) -> None:
        await self.practice.edit(event_key, text)

    async def handle_delete(self, event_key: str) -> None:
        await self.practice.delete(event_key)

    async def handle_action(self, action: Action) -> Reply:
        """A button click. The reply is for the clicker only."""
        return await self.router.action(action)

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
        await self.prompts.fan_out(now)
        for interview in await self.interviews.due(now):
            await self._each(self.interviews.on_time(interview, now), f"interview {interview.id}")
        for prompt in await self.prompts.due_closings(now):
            await self._each(self.prompts.close(prompt), f"closing prompt {prompt.id}")
        await self.dispatcher.flush(bulk=bulk)

    async def _each(self, work: Awaitable[object], what: str) -> None:
        try:
            await work
        except Exception:
            log.exception("error %s in %s; retried on the next tick", new_error_id(), what)

    async def prune(self) -> int:
        return await self.store.prune_events(older_than=self.clock.now() - EVENT_RETENTION)
