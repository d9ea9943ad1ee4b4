"""The outbox dispatcher: the only place scheduled messages are sent from.

Rows are claimed in the store before sending and marked after, so a crash between
the two re-sends at most once (after the claim goes stale) and two processes never
both send a row. Cheap rows are sent in order, per thread; rows that need scoring
(which may call an LLM) run as background jobs so they never hold up a reply.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.core import texts
from bot.core.errors import new_error_id
from bot.core.messages import OutMessage, split_text
from bot.core.ports import Chat
from bot.core.records import AnswerRecord, OutboxRecord, ScoreCard, ScoreDraft
from bot.core.refs import MessageRef, Target, channel_of

if TYPE_CHECKING:
    from bot.core.service import PracticeService

log = logging.getLogger(__name__)

BACKGROUND_PURPOSES = frozenset({"score", "scorecard", "reveal"})
BULK_PURPOSES = frozenset({"prompt", "reveal"})
"""Rows made for every scheduled channel at once (daily prompts, their reveals): claimed after any
other waiting row, so people in an interview are not kept waiting behind a fan-out."""
MAX_ATTEMPTS = 5
CLAIM_WINDOW = 100
"""Rows a process holds claimed at most (sending concurrently, in order per thread)."""
MIN_WINDOW = 20
"""The window is twice the rows finished in the last second, within [MIN_WINDOW, CLAIM_WINDOW]: a
process that is being throttled holds about two seconds of work, and leaves the rest to the others."""
STALE_CLAIM_SECONDS = 300
"""A claim older than this is taken over by another process (its owner is presumed dead). Longer than
any scoring job's worst case (LLM timeout x retries), so a live job is never run twice."""


def outbox_key(*parts: object) -> str:
    return ":".join(str(part) for part in parts)


class Dispatcher:
    """Sends outbox rows from one background loop through a sliding window: up to ``CLAIM_WINDOW``
    claimed rows at a time, each thread's (or channel's) rows one after another in a lane of their
    own, lanes side by side. The window is refilled as rows finish, so one slow send never holds
    up the next claim. ``flush`` starts the loop if it is not running and waits for it."""

    def __init__(self, service: PracticeService) -> None:
        self._service = service
        self._loop_task: asyncio.Task[None] | None = None
        self._failure: Exception | None = None
        """Why the loop last stopped short (a database error): flush waiters raise it."""
        self._again = False
        self._progress = asyncio.Event()
        """Set when a row finishes, a claim completes, the loop stops or someone asks for a flush."""
        self._claims = 0
        """Claims started so far (a flush waits for one that started after it was called)."""
        self._urgent_through = 0
        """The last claim after which no row other than bulk ones was left waiting in the store."""
        self._idle_through = 0
        """The last claim after which nothing was left to send (the loop went idle)."""
        self._jobs: set[asyncio.Task[None]] = set()
        self._job_locks: dict[str, tuple[asyncio.Lock, int]] = {}
        self._lanes: dict[str, deque[OutboxRecord]] = {}
        self._queued = 0
        """Cheap rows claimed and not yet finished (the window's fill)."""
        self._urgent_queued = 0
        """Of those, the ones that are not bulk rows."""
        self._finished: deque[float] = deque()
        """When rows finished in the last second (monotonic): the window follows the pace."""
        self._in_flight: set[int] = set()
        """Rows this process is working on: a stale re-claim of one of them must not run it twice."""
        self._lane_tasks: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._unsent: list[int] = []
        """Rows claimed but never started when the dispatcher stopped: handed back to the store."""

    async def stop(self) -> None:
        """Stop claiming, let each lane finish the row it is sending, and hand the rows it had not
        started back to the store (claimable at once by another replica or the next start, instead
        of after the stale-claim window). Background jobs are left to ``drain``."""
        self._stopping = True
        self._progress.set()
        while self._lane_tasks or self._loop_task is not None:
            tasks = [*self._lane_tasks, *([self._loop_task] if self._loop_task else [])]
            await asyncio.gather(*tasks, return_exceptions=True)
        unsent, self._unsent = self._unsent, []
        if unsent:
            await self._service.store.release_outbox(unsent)
            log.info("handed %d unsent outbox rows back to the store", len(unsent))

    async def flush(self, *, bulk: bool = True) -> None:
        """Send what is pending and return once it is sent. With ``bulk=False``, return once every
        row but bulk ones is sent: a reply to a person does not wait for a fan-out of daily prompts
        to thousands of channels that goes on meanwhile (those rows are claimed after it anyway)."""
        if self._stopping:
            return  # shutting down: what is pending stays in the store for the next start
        ticket = self._claims
        self.kick()
        while not (self._idle_through > ticket if bulk
                   else self._urgent_through > ticket and not self._urgent_queued):
            if self._loop_task is None:
                if self._stopping:
                    return
                raise self._failure or RuntimeError("the outbox dispatcher stopped")
            self._progress.clear()
            await self._progress.wait()

    def kick(self) -> None:
        """Make sure the sending loop runs and looks at the store again (the tick keeps claiming
        daily prompts meanwhile: a fan-out to many channels posts while it claims)."""
        self._again = True
        self._progress.set()
        if self._loop_task is None and not self._stopping:
            self._failure = None
            self._loop_task = asyncio.create_task(self._loop())
            self._track(self._loop_task)

    async def drain(self) -> None:
        """Wait for the loop and every background job (tests, shutdown)."""
        while self._jobs:
            await asyncio.gather(*list(self._jobs), return_exceptions=True)

    @property
    def busy(self) -> bool:
        return bool(self._jobs) or self._loop_task is not None

    async def _loop(self) -> None:
        try:
            while not self._stopping:
                asked, self._again = self._again, False
                room = self._room()
                if not room and not asked:
                    await self._until(lambda: self._room() > 0 or self._again or self._stopping)
                    continue
                # A full window still takes rows that are not bulk when someone asked (an
                # interview's next phase never waits for room behind a fan-out).
                limit = room or MIN_WINDOW
                self._claims += 1
                number = self._claims
                claimed = await self._service.store.claim_outbox(
                    self._service.clock.now(), limit=limit, stale_after_seconds=STALE_CLAIM_SECONDS,
                    bulk=BULK_PURPOSES, include_bulk=room > 0,
                )
                self._dispatch([row for row in claimed if row.id not in self._in_flight])
                if len(claimed) < limit or any(row.purpose in BULK_PURPOSES for row in claimed):
                    self._urgent_through = number  # bulk rows are claimed only after all others
                    self._progress.set()
                if len(claimed) == limit:
                    continue  # more may be waiting: claim again as soon as there is room
                if not room:
                    continue  # back to waiting for room
                if not self._queued and not self._again:
                    self._idle_through = number
                    return
                # Nothing more to claim for now: wait for the lanes to finish, or for new work.
                await self._until(lambda: not self._queued or self._again or self._stopping)
        except Exception as exc:
            error_id = new_error_id()
            log.exception("error %s in the outbox dispatcher; it starts again on the next flush", error_id)
            self._failure = exc
        finally:
            self._loop_task = None  # set before anyone else runs: a kick from now on starts a new loop
            self._progress.set()

    def _room(self) -> int:
        """Rows to claim now: none until a quarter of the window is free (claims come in batches)."""
        cutoff = time.monotonic() - 1.0
        while self._finished and self._finished[0] < cutoff:
            self._finished.popleft()
        window = max(MIN_WINDOW, min(CLAIM_WINDOW, 2 * len(self._finished)))
        room = window - self._queued
        return room if room >= window // 4 or not self._queued else 0

    async def _until(self, done: Callable[[], bool]) -> None:
        while not done():
            self._progress.clear()
            await self._progress.wait()

    def _track(self, task: asyncio.Task[None]) -> None:
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)

    def _dispatch(self, rows: list[OutboxRecord]) -> None:
        for row in rows:
            self._in_flight.add(row.id)
            if row.purpose in BACKGROUND_PURPOSES:
                self._track(asyncio.create_task(self._run_in_turn(row)))
                continue
            self._queued += 1
            self._urgent_queued += row.purpose not in BULK_PURPOSES
            key = repr(row.target)
            lane = self._lanes.get(key)
            if lane is not None:
                lane.append(row)  # its lane is running: the row goes out after the earlier ones
            else:
                self._lanes[key] = deque([row])
                task = asyncio.create_task(self._run_lane(key))
                self._track(task)
                self._lane_tasks.add(task)
                task.add_done_callback(self._lane_tasks.discard)

    async def _run_lane(self, key: str) -> None:
        lane = self._lanes[key]
        try:
            while lane and not self._stopping:
                row = lane.popleft()
                try:
                    await self._run(row)
                finally:
                    self._done(row)
                    self._finished.append(time.monotonic())
        finally:
            for row in lane:  # stopped (or cancelled) before they were sent
                self._done(row)
                self._in_flight.discard(row.id)
                self._unsent.append(row.id)
            del self._lanes[key]

    def _done(self, row: OutboxRecord) -> None:
        self._queued -= 1
        self._urgent_queued -= row.purpose not in BULK_PURPOSES
        self._progress.set()

    async def _run_in_turn(self, row: OutboxRecord) -> None:
        """Background jobs for one thread run one after another, in claim order (asyncio locks are
        FIFO), so a phase's score never lands after the interview's scorecard."""
        key = repr(row.target)
        lock, users = self._job_locks.get(key, (asyncio.Lock(), 0))
        self._job_locks[key] = (lock, users + 1)
        try:
            async with lock:
                await self._run(row)
        finally:
            lock, users = self._job_locks[key]
            if users <= 1:
                del self._job_locks[key]
            else:
                self._job_locks[key] = (lock, users - 1)

    async def _run(self, row: OutboxRecord) -> None:
        try:
            await self._run_row(row)
        finally:
            self._in_flight.discard(row.id)

    async def _run_row(self, row: OutboxRecord) -> None:
        store = self._service.store
        chat = self._service.chats.get(channel_of(row.target).platform)
        if chat is None:
            log.warning("outbox %s waits: no %s adapter running", row.id, channel_of(row.target).platform)
            await store.mark_failed(row.id, error="adapter not running",
                                    retry_at=self._service.clock.now() + timedelta(minutes=5))
            return
        try:
            ref = await self._deliver(chat, row)
        except Exception as exc:
            error_id = new_error_id()
            log.exception("error %s sending outbox row %s (%s)", error_id, row.id, row.purpose)
            retry_at = None
            if row.attempts < MAX_ATTEMPTS:
                retry_at = self._service.clock.now() + timedelta(seconds=5 * 2 ** row.attempts)
            await store.mark_failed(row.id, error=f"{error_id}: {type(exc).__name__}: {exc}"[:500],
                                    retry_at=retry_at)
            return
        if ref is not None:
            await store.mark_sent(row.id, message=ref)

    async def _deliver(self, chat: Chat, row: OutboxRecord) -> MessageRef | None:
        """Send the row; the message it became, or ``None`` when the handler marked it sent itself."""
        handler = {
            "phase": self._phase,
            "prompt": self._prompt,
            "score": self._score,
            "scorecard": self._scorecard,
            "reveal": self._reveal,
        }.get(row.purpose)
        if handler is not None:
            return await handler(chat, row)
        return await send(chat, row.target, OutMessage(text=row.text))

    async def _phase(self, chat: Chat, row: OutboxRecord) -> MessageRef:
        service = self._service
        interview = await service.store.get_interview(row.subject_id or 0)
        if interview is None:
            return await send(chat, row.target, OutMessage(text=row.text))
        shown = replace(interview, phase_index=int(row.payload or interview.phase_index))
        section = service.framework.section(shown.phases[shown.phase_index].section)
        scenario = service.framework.scenario(shown.scenario_id)
        message = texts.phase_opening(shown, section, scenario, total_phases=len(shown.phases))
        return await send(chat, row.target, message)

    async def _prompt(self, chat: Chat, row: OutboxRecord) -> None:
        service = self._service
        prompt = await service.store.get_prompt(row.subject_id or 0)
        if prompt is None:
            ref = await send(chat, row.target, OutMessage(text=row.text))
            await service.store.mark_sent(row.id, message=ref)
            return
        root = prompt.message
        if root is None:
            channel = await service.store.get_channel(prompt.channel)
            timezone = channel.schedule.timezone if channel and channel.schedule else service.default_timezone
            message = texts.daily_prompt(
                prompt,
                service.framework.scenario(prompt.scenario_id),
                service.framework.section(prompt.section),
                prompt.closes_at,
                timezone,
            )
            root = await send(chat, row.target, message)
            if not chat.capabilities.thread_is_root:
                # Opening the thread is a call that can fail: remember the root first, so a retry
                # opens the thread on it instead of posting the prompt again.
                await service.store.set_prompt_message(prompt.id, message=root, thread=None)
        thread = prompt.thread or await chat.start_thread(root, f"Daily practice {prompt.local_date:%b %d}")
        await service.store.set_prompt_message(prompt.id, message=root, thread=thread, sent_outbox_id=row.id)

    async def _score_answers(
        self, answers: list[AnswerRecord], section_number: int, scenario_id: str, question: str
    ) -> ScoreCard:
        service = self._service
        return await service.scorer.score(
            section=service.framework.section(section_number),
            scenario=service.framework.scenario(scenario_id),
            question=question,
            answer="\n\n".join(a.text for a in answers),
        )

    async def _score_phase(self, interview_id: int, index: int) -> ScoreCard | None:
        service = self._service
        interview = await service.store.get_interview(interview_id)
        if interview is None:
            return None
        answers = [a for a in await service.store.answers_for_phase(interview_id, index) if not a.withdrawn]
        if not answers:
            return None
        section = service.framework.section(interview.phases[index].section)
        scenario = service.framework.scenario(interview.scenario_id)
        question = " ".join(q.replace("{scenario}", scenario.title) for q in section.openings)
        card = await self._score_answers(answers, section.number, scenario.id, question)
        await service.store.save_score(
            ScoreDraft(card, interview_id=interview_id, phase_index=index, created_at=service.clock.now())
        )
        return card

    async def _score(self, chat: Chat, row: OutboxRecord) -> MessageRef:
        index = int(row.payload)
        card = await self._score_phase(row.subject_id or 0, index)
        interview = await self._service.store.get_interview(row.subject_id or 0)
        if card is None or interview is None:
            return await send(chat, row.target, OutMessage(text="No answer was recorded for that phase."))
        section = self._service.framework.section(interview.phases[index].section)
        return await send(chat, row.target, texts.phase_score(section, card))

    async def _scorecard(self, chat: Chat, row: OutboxRecord) -> MessageRef:
        service = self._service
        interview_id = row.subject_id or 0
        interview = await service.store.get_interview(interview_id)
        if interview is None:
            return await send(chat, row.target, OutMessage(text=row.text))
        cards = await service.store.scores_for_interview(interview_id)
        for index in range(len(interview.phases)):
            if index not in cards and index not in interview.skipped:
                card = await self._score_phase(interview_id, index)
                if card is not None:
                    cards[index] = card
        scenario = service.framework.scenario(interview.scenario_id)
        return await send(chat, row.target, texts.scorecard(interview, service.framework, scenario, cards))

    async def _reveal(self, chat: Chat, row: OutboxRecord) -> MessageRef:
        service = self._service
        prompt = await service.store.get_prompt(row.subject_id or 0)
        if prompt is None:
            return await send(chat, row.target, OutMessage(text=row.text))
        answers = [a for a in await service.store.answers_for_prompt(prompt.id) if not a.withdrawn]
        by_member: dict[tuple[str, str], list[AnswerRecord]] = defaultdict(list)
        for answer in answers:
            by_member[(answer.member.user_id, answer.member.workspace)].append(answer)
        results: list[tuple[str, ScoreCard]] = []
        for member_answers in by_member.values():
            card = await self._score_answers(member_answers, prompt.section, prompt.scenario_id, prompt.question)
            await service.store.save_score(
                ScoreDraft(card, answer_id=member_answers[0].id, created_at=service.clock.now())
            )
            results.append((member_answers[0].member.mention, card))
        return await send(chat, row.target, texts.prompt_reveal(service.framework.section(prompt.section), results))


async def send(chat: Chat, where: Target, message: OutMessage) -> MessageRef:
    """Send, splitting text longer than the platform allows into ordered parts in the same place."""
    limit = chat.capabilities.max_text
    if len(message.text) <= limit:
        return await chat.send(where, message)
    parts = split_text(message.text, limit)
    ref: MessageRef | None = None
    for number, part in enumerate(parts):
        last = number == len(parts) - 1
        blocks = tuple(b for b in message.blocks if last and not hasattr(b, "text")) if last else ()
        ref = await chat.send(where, OutMessage(text=part, blocks=blocks, ephemeral=message.ephemeral))
    if ref is None:
        raise ValueError("nothing to send")
    return ref
