"""The composition root of the core: builds each capability on its narrow ports and wires them.

Adapters and the runtime talk to ``PracticeService`` only: commands, thread messages, edits,
button clicks and the clock's tick go in; every use case lives in its capability package
(``interviews``, ``prompts``, ``progress``, ``members``, ``catalog``, ``peers``, ``pairing``) and the router
(``commands``) hands each inbound item to its owner. Every scheduled effect goes through the
store's claims and the outbox, so a restart resumes where it stopped and two processes never
post twice.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Protocol

from framework import Framework

from bot.core.catalog import Catalog
from bot.core.chats import Chats
from bot.core.commands import Router
from bot.core.errors import UserError, new_error_id
from bot.core.events import EventPruning
from bot.core.grammar import command_name
from bot.core.inbox import Inbox, InboxStore
from bot.core.interviews import InterviewDelivery, InterviewOutbox, Interviews, InterviewScoreStore, ProbePolicy
from bot.core.leases import Lease, LeaseStore, this_process
from bot.core.members import (
    DEFAULT_MAX_PAUSE_DAYS,
    ForgetStore,
    Forgetting,
    Members,
    MemberStore,
    Pauses,
    PauseStore,
    RetireReport,
    Timezones,
    TimezoneStore,
    Workspaces,
    WorkspaceStore,
)
from bot.core.messages import Action, CommandContext, InMessage, OutMessage, Reply
from bot.core.metrics import NO_METRICS, Metrics
from bot.core.outbox import Dispatcher, OutboxStore
from bot.core.pairing import PairDeliveryStore, Pairing, PairingDelivery, PairingStore
from bot.core.peers import MarkStore, NoteStore, PeerCardStore, PeerDelivery, PeerMocks, PeerRubrics, PeerScorecards
from bot.core.ports import AdminNotices, Charts, Chat, Clock, Prober, Scorer
from bot.core.progress import (
    History,
    HistoryStore,
    Home,
    Practice,
    PracticeStore,
    Standings,
    StandingsStore,
    Stats,
    StatsStore,
)
from bot.core.prompts import (
    DailyPrompts,
    DrillDelivery,
    DrillDeliveryStore,
    Drills,
    DrillStore,
    PromptDelivery,
    PromptDeliveryStore,
    PromptStore,
    Schedules,
    ScheduleStore,
)
from bot.core.records import InterviewRecord
from bot.core.refs import Platform
from bot.core.scoring import ScoreEvents, ScoreListener

log = logging.getLogger(__name__)

EVENT_RETENTION = timedelta(days=3)
DUE_CONCURRENCY = 16
"""Due interviews moved on at once in one tick (each is a few small transactions)."""
LEASE_RETENTION = timedelta(days=1)
"""Expired leases are kept this long (operators can see who held what), then forgotten."""


class LeasePruning(Protocol):
    async def prune_leases(self, *, expired_before: datetime) -> int: ...


class Store(
    MemberStore,
    TimezoneStore,
    ForgetStore,
    WorkspaceStore,
    PracticeStore,
    StandingsStore,
    StatsStore,
    InterviewOutbox,
    InterviewScoreStore,
    PromptStore,
    ScheduleStore,
    PromptDeliveryStore,
    OutboxStore,
    InboxStore,
    LeaseStore,
    EventPruning,
    LeasePruning,
    PeerCardStore,
    MarkStore,
    NoteStore,
    DrillStore,
    DrillDeliveryStore,
    HistoryStore,
    ScoreEvents,
    PauseStore,
    PairingStore,
    PairDeliveryStore,
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
        holder: str | None = None,
        prober: Prober | None = None,
        coverage: Scorer | None = None,
        probes: ProbePolicy | None = None,
        metrics: Metrics = NO_METRICS,
        charts: Charts | None = None,
        max_pause_days: int = DEFAULT_MAX_PAUSE_DAYS,
    ) -> None:
        """``prober`` phrases follow-up questions (the LLM scorer, when one is configured);
        ``coverage`` finds what an answer misses on the clock's tick (the offline scorer; by
        default ``scorer``); ``probes`` says when follow-ups are asked; ``charts`` draws stats as
        pictures (``bot.charts``; without it stats are sent as text); ``max_pause_days`` bounds ``/practice
        pause``."""
        self.store = store
        self.on_change: Callable[[], None] | None = None
        """Called after each inbound item is handled (the runtime's clock re-reads the next due time)."""
        self.framework = framework
        self.scorer = scorer
        self.clock = clock
        self.metrics = metrics
        self.charts = charts
        rng = rng or random.Random()  # noqa: S311 (variety, not security)
        self.chats = Chats()
        members = Members(store=store, channels=store, default_timezone=default_timezone)
        self.practice = Practice(store=store, members=members, metrics=metrics)
        self.lease = Lease(store=store, clock=clock, holder=holder or this_process())
        self.dispatcher = Dispatcher(store=store, chats=self.chats, clock=clock, lease=self.lease, metrics=metrics)
        self.inbox = Inbox(store=store, lease=self.lease, clock=clock)
        """Every inbound item is written here before its ack and applied on its lane (adapters use it)."""
        peer_cards = PeerScorecards(store=store, members=members, framework=framework, clock=clock)
        for delivery in (
            InterviewDelivery(store=store, scorer=scorer, framework=framework, clock=clock, prober=prober,
                              peer=peer_cards),
            PromptDelivery(store=store, members=members, scorer=scorer, framework=framework, clock=clock),
            PeerDelivery(interviews=store, framework=framework),
            DrillDelivery(store=store, scorer=scorer, framework=framework, clock=clock),
            PairingDelivery(store=store, framework=framework),
        ):
            for kind in delivery.kinds():
                self.dispatcher.register(kind)
        self.interviews = Interviews(store=store, practice=self.practice, chats=self.chats,
                                     outbox=self.dispatcher, framework=framework, clock=clock, rng=rng,
                                     coverage=coverage or scorer, probes=probes, peer=PeerRubrics())
        self.prompts = DailyPrompts(store=store, members=members, practice=self.practice, chats=self.chats,
                                    outbox=self.dispatcher, framework=framework, clock=clock, rng=rng,
                                    scores=store, window_hours=prompt_window_hours)
        self.history = History(store=store, framework=framework)
        self.home = Home(scores=store, streaks=store, framework=framework, clock=clock)
        """A member's home view (Slack's App Home); ``watch_scores`` says when one may have changed."""
        self.pairing = Pairing(store=store, members=members, flusher=self.dispatcher, framework=framework,
                               clock=clock, rng=rng)
        self.workspaces = Workspaces(store=store)
        self.router = Router(
            catalog=Catalog(framework=framework),
            interviews=self.interviews,
            prompts=self.prompts,
            schedules=Schedules(store=store, members=members, clock=clock),
            standings=Standings(store=store, members=members, clock=clock),
            forgetting=Forgetting(store=store, clock=clock),
            stats=Stats(store=store, standings=store, members=members, clock=clock, framework=framework,
                        charts=charts),
            peers=PeerMocks(interviews=store, marks=store, notes=store, outbox=store, flusher=self.dispatcher,
                            framework=framework, clock=clock),
            timezones=Timezones(store=store, members=members),
            drills=Drills(store=store, scores=store, members=members, practice=self.practice, chats=self.chats,
                          outbox=store, sender=self.dispatcher, framework=framework, clock=clock, rng=rng),
            history=self.history,
            pauses=Pauses(store=store, members=members, clock=clock, max_days=max_pause_days),
            pairing=self.pairing,
        )

    def watch_scores(self, listener: ScoreListener) -> None:
        """``listener(member)`` after each score card saved in this process (a home to refresh)."""
        self.store.on_score_saved(listener)

    def attach(self, chat: Chat) -> None:
        """Register a platform's Chat; scheduled posts for that platform go through it."""
        self.chats.attach(chat)

    # ------------------------------------------------------------------ inbound
    async def handle_command(self, ctx: CommandContext, text: str) -> Reply:
        outcome = "error"
        try:
            reply = await self.router.command(ctx, text)
            outcome = "ok"
            return self._with_admin_notice(ctx, reply)
        except UserError:
            outcome = "refused"
            raise
        finally:
            self.metrics.count("command", command=command_name(text), outcome=outcome)
            self._changed()

    def _with_admin_notice(self, ctx: CommandContext, reply: Reply) -> Reply:
        """A notice for admins (the LLM keeps timing out, say) goes, once, privately, to the next
        person who may manage the bot, after what they asked for."""
        if not ctx.can_manage or not isinstance(self.scorer, AdminNotices):
            return reply
        notice = self.scorer.take_admin_notice()
        if notice is None:
            return reply
        return Reply((*reply.messages, OutMessage(text=f"Note for admins: {notice}", ephemeral=True)))

    async def handle_message(self, message: InMessage) -> None:
        """A message someone wrote. Only thread messages matter: answers and steering."""
        thread = message.ref.thread
        if message.author_is_bot or thread is None:
            return
        try:
            await self.router.message(message, thread)
        finally:
            self._changed()

    async def handle_edit(self, event_key: str, text: str) -> None:
        await self.practice.edit(event_key, text)

    async def handle_delete(self, event_key: str) -> None:
        await self.practice.delete(event_key)

    async def retire_workspace(self, platform: Platform, workspace: str, *, reason: str) -> RetireReport:
        """The workspace removed the bot: nothing more is posted there; its history stays."""
        report = await self.workspaces.retire(platform, workspace, reason=reason)
        if self.on_change is not None:
            self.on_change()
        return report

    async def handle_action(self, action: Action) -> Reply:
        """A button click. The reply is for the clicker only; counted like a command (``click:<owner>``)."""
        outcome = "error"
        try:
            reply = await self.router.action(action)
            outcome = "ok"
            return reply
        except UserError:
            outcome = "refused"
            raise
        finally:
            self.metrics.count("command", command=Router.click_name(action.action), outcome=outcome)
            self._changed()

    # ------------------------------------------------------------------ the clock's tick
    async def next_due(self) -> datetime | None:
        """The earliest moment anything of this bot's becomes due: a deadline or nudge, a channel's
        prompt, a prompt's closing, an outbox retry. The clock sleeps until then."""
        found = [await self.interviews.next_due(), await self.prompts.next_due(), await self.dispatcher.next_due(),
                 await self.pairing.next_due()]
        return min((moment for moment in found if moment is not None), default=None)

    def _changed(self) -> None:
        """Something a person did may have made work due earlier (a new interview's first deadline)."""
        if self.on_change is not None:
            self.on_change()

    async def tick(self, *, bulk: bool = True, wait: bool = True) -> None:
        """Do whatever is due. Safe to run in several processes at once.

        Each item is handled on its own: one bad row (say, a scenario removed from the content)
        is logged with an error id and retried next tick, and never stops the others. With
        ``bulk=False`` the tick returns once interviews' messages are out while a fan-out of daily
        prompts goes on in the background; with ``wait=False`` (the runtime's clock) it returns once
        what is due is claimed and the dispatcher is told, so sends never hold up the next deadline.
        Due interviews are handled side by side (at most ``DUE_CONCURRENCY`` at once).
        """
        now = self.clock.now()
        await self.prompts.fan_out(now)
        room = asyncio.Semaphore(DUE_CONCURRENCY)

        async def on_time(interview: InterviewRecord) -> None:
            async with room:
                await self._each(self.interviews.on_time(interview, now), f"interview {interview.id}")
            self.dispatcher.kick()  # its next phase goes out while the others are moved on

        # Everything due is taken in this one pass, a batch at a time (after an outage: all of it);
        # a row that fails stays due for the next tick and is not taken twice here.
        seen: set[int] = set()
        while fresh := [i for i in await self.interviews.due(now) if i.id not in seen]:
            seen.update(i.id for i in fresh)
            await asyncio.gather(*(on_time(interview) for interview in fresh))
        for prompt in await self.prompts.due_closings(now):
            await self._each(self.prompts.close(prompt), f"closing prompt {prompt.id}")
        await self._each(self.pairing.run_due(now), "weekly pairing")
        if wait:
            await self.dispatcher.flush(bulk=bulk)
        else:
            self.dispatcher.kick()  # the runtime's clock: posting goes on while the next tick waits

    async def _each(self, work: Awaitable[object], what: str) -> None:
        try:
            await work
        except Exception:
            log.exception("error %s in %s; retried on the next tick", new_error_id(), what)

    async def prune(self) -> int:
        """Forget old event keys, done inbox rows and long-expired leases; the number of event keys forgotten."""
        now = self.clock.now()
        await self.store.prune_leases(expired_before=now - LEASE_RETENTION)
        await self.inbox.prune()
        return await self.store.prune_events(older_than=now - EVENT_RETENTION)
