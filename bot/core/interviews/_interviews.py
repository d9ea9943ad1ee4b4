"""Running mock interviews: start, answers and steering in the thread, buttons, and the clock."""

from __future__ import annotations

import difflib
import logging
import random
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol

from framework import DEFAULT_LEVEL, Framework, Level, Scenario

from bot.core.chats import Chats
from bot.core.errors import UserError
from bot.core.events import EventStore, SeenEvent
from bot.core.inbox import retrying
from bot.core.interviews import _texts as texts
from bot.core.interviews.rules import (
    DEFAULT_MINUTES,
    EXTRA_SECONDS,
    TIME_UP_MARK,
    ProbePolicy,
    SteerWord,
    enter_phase,
    extend_phase,
    is_overdue,
    looks_like_a_command,
    may_probe_now,
    next_hint,
    nudge_due,
    parse_extend,
    parse_steer,
    plan_phases,
    probe_after_answer,
    probe_due,
    probe_target,
    seconds_left,
    total_seconds_left,
)
from bot.core.interviews.store import InterviewStore, PeerRubric
from bot.core.messages import Action, CommandContext, InMessage, Reply, button_number
from bot.core.normalise import MAX_ANSWER_CHARS, fit_answer
from bot.core.outbox import OutboxWriter, Sender, outbox_key
from bot.core.ports import Clock, Scorer
from bot.core.progress import Practice
from bot.core.records import InterviewChanges, InterviewDraft, InterviewRecord, OutboxDraft
from bot.core.refs import Platform, ThreadRef, UserRef, same_person
from bot.core.scoring import score_answers
from bot.core.texts import answer_cut, error_message

log = logging.getLogger(__name__)

ROOT_LOOKBACK = timedelta(hours=1)
"""How far back a start taken up again after a crash looks for the parent post it may have made."""

ACTION_WORDS: dict[str, SteerWord] = {texts.NEXT: "next", texts.HINT: "hint", texts.END: "end"}


class InterviewOutbox(InterviewStore, OutboxWriter, EventStore, Protocol):
    """Interviews, the outbox rows they post without a transition, and steering events seen once."""


class Interviews:
    def __init__(
        self,
        *,
        store: InterviewOutbox,
        practice: Practice,
        chats: Chats,
        outbox: Sender,
        framework: Framework,
        clock: Clock,
        rng: random.Random,
        coverage: Scorer,
        probes: ProbePolicy | None = None,
        peer: PeerRubric | None = None,
    ) -> None:
        """``coverage`` finds what a phase's answers still miss when a follow-up is due: a fast
        scorer (the offline one), since it runs on the clock's tick. ``peer`` hands a peer mock's
        interviewer each phase's rubric (without it, peer mocks are refused)."""
        self._store = store
        self._practice = practice
        self._chats = chats
        self._outbox = outbox
        self._framework = framework
        self._clock = clock
        self._rng = rng
        self._coverage = coverage
        self._probes = probes or ProbePolicy()
        self._peer = peer

    # ------------------------------------------------------------------ the command
    def find_scenario(self, name: str | None) -> Scenario:
        if name is None:
            return self._rng.choice(self._framework.scenarios)
        wanted = name.lower().strip()
        for scenario in self._framework.scenarios:
            if wanted in {scenario.id, scenario.title.lower()}:
                return scenario
        ids = [s.id for s in self._framework.scenarios]
        close = difflib.get_close_matches(wanted, ids, n=1, cutoff=0.6)
        hint = f" Did you mean `{close[0]}`?" if close else ""
        raise UserError(f"Unknown scenario `{wanted[:40]}`.{hint} Try `/practice scenarios`.")

    async def start(self, ctx: CommandContext, scenario_name: str | None, minutes: int | None, *,
                    level: Level = DEFAULT_LEVEL, quiet: bool = False, interviewer: UserRef | None = None) -> Reply:
        """A mock interview; with ``interviewer``, a peer mock: that teammate interviews, gets each
        phase's rubric privately and marks it; the bot keeps time and asks no follow-ups itself."""
        scenario = self.find_scenario(scenario_name)
        total = minutes or DEFAULT_MINUTES
        phases = plan_phases(self._framework, total)
        if interviewer is not None:
            if self._peer is None:
                raise UserError("Peer mock interviews are not available here.")
            if same_person(interviewer, ctx.user):
                raise UserError("You can't interview yourself: name a teammate, e.g. "
                                "`/practice interview url-shortener 45 with @teammate`.")
            quiet = True
        running = await self._store.active_interview(ctx.user)
        if running is not None:
            raise UserError("You already have an interview running. Say `end` in its thread to stop it first.")
        chat = self._chats.chat_for(ctx.channel.platform)
        parent = texts.interview_parent(ctx.user.mention, scenario, total, level=level, quiet=quiet,
                                        interviewer=interviewer.mention if interviewer else None)
        root_key = outbox_key("ivroot", ctx.channel.platform, ctx.event_key) if ctx.event_key else ""
        now = self._clock.now()
        root = None
        if root_key and retrying():  # an earlier process may have posted it before it died
            root = await chat.find_sent(ctx.channel, root_key, since=now - ROOT_LOOKBACK)
        if root is None:
            root = await chat.send(ctx.channel, replace(parent, key=root_key))
        thread = await chat.start_thread(root, f"Mock interview: {scenario.title}")
        # The candidate's member row (and the zone the platform told) is written with the interview.
        draft = InterviewDraft(ctx.channel, ctx.user, scenario.id, total, phases, now, level=level, quiet=quiet,
                               interviewer=interviewer, candidate_timezone=ctx.user_timezone)
        interview = await self._store.create_interview(
            draft, changes=replace(enter_phase(phases, 0, now), thread=thread),
            outbox=lambda created: [phase_opening(self._framework, created), *self._rubric(created)],
        )
        if interview is None:  # a second command raced this one and won
            await chat.edit(root, error_message("Not started: you already have an interview running."))
            raise UserError("You already have an interview running. Say `end` in its thread to stop it first.")
        # The first phase is written with the interview; the dispatcher posts it once the channel's
        # pacing allows, and this start does not wait for that.
        self._outbox.kick()
        return Reply()

    def _rubric(self, interview: InterviewRecord) -> list[OutboxDraft]:
        """A peer mock's private rubric row for the interview's current phase (none otherwise)."""
        if self._peer is None or interview.interviewer is None or interview.current_phase is None:
            return []
        return [self._peer.rubric_row(interview)]

    async def active_for(self, candidate: UserRef) -> InterviewRecord | None:
        return await self._store.active_interview(candidate)

    # ------------------------------------------------------------------ the thread
    async def handle_message(self, message: InMessage, thread: ThreadRef) -> bool:
        """A message in ``thread``: True when the thread is an interview's (handled here)."""
        interview = await self._store.interview_by_thread(thread)
        if interview is None:
            return False
        if interview.status != "active":
            return True  # a finished thread is a discussion
        if interview.interviewer is not None and same_person(interview.interviewer, message.author):
            await self._interviewer_says(interview, message)
            return True
        if not same_person(interview.candidate, message.author):
            return True  # others' messages stay as comments
        steer = parse_steer(message.text)
        if steer is not None:
            await self.steer(interview, steer, event=self._seen(message.ref.channel.platform, message.event_key))
            return True
        if looks_like_a_command(message.text):
            if interview.thread is not None and await self._store.remember_event(
                message.ref.channel.platform, message.event_key, now=self._clock.now()
            ):
                await self._chats.chat_for(interview.channel.platform).send(
                    interview.thread, texts.command_in_thread(message.text)
                )
            return True
        fitted = fit_answer(message.text)
        if fitted.text:
            recorded = await self._practice.record(message, fitted.text, interview.channel,
                                                   interview_id=interview.id, phase_index=interview.phase_index)
            if recorded is not None:
                if fitted.cut:
                    await self._chats.chat_for(message.ref.channel.platform).send(thread, answer_cut(MAX_ANSWER_CHARS))
                await self._expect_probe(interview)
        return True

    async def _interviewer_says(self, interview: InterviewRecord, message: InMessage) -> None:
        """A peer mock's interviewer steers with `next`, `skip`, `time`, `end` and adds time with `+2m`;
        anything else they write is the conversation (asked aloud, never an answer)."""
        steer = parse_steer(message.text)
        extend = parse_extend(message.text)
        if steer in {None, "hint"} and not extend:
            return
        event = self._seen(message.ref.channel.platform, message.event_key)
        if extend:
            if await self._store.remember_event(event.platform, event.key, now=event.at):
                await self._extend(interview)
        elif steer is not None:
            await self.steer(interview, steer, event=event)

    async def _extend(self, interview: InterviewRecord) -> None:
        phase = interview.current_phase
        if phase is None or interview.thread is None:
            return
        section = self._framework.section(phase.section)
        now = self._clock.now()
        changes = extend_phase(interview, now, EXTRA_SECONDS)
        if changes is None:
            await self._store.enqueue([OutboxDraft(interview.thread, texts.extended_already(section).text, "notice",
                                                   outbox_key("iv", interview.id, "extendonce", interview.phase_index,
                                                              interview.version))])
        else:
            left = replace(interview, phase_deadline_at=changes.phase_deadline_at)
            await self._store.transition_interview(
                interview.id, expected_version=interview.version, changes=changes,
                outbox=[OutboxDraft(interview.thread, texts.extended(section, EXTRA_SECONDS,
                                                                     seconds_left(left, now)).text,
                                    "notice", outbox_key("iv", interview.id, "extend", interview.phase_index))],
            )
        await self._outbox.flush(bulk=False)

    async def _expect_probe(self, interview: InterviewRecord) -> None:
        """An answer came: a follow-up may be due once the candidate pauses (claimed like any
        transition; if the clock moved the interview meanwhile, try once more on the fresh row)."""
        for _ in range(2):
            changes = probe_after_answer(interview, self._clock.now(), self._probes)
            if changes is None:
                return
            if await self._store.transition_interview(interview.id, expected_version=interview.version,
                                                      changes=changes) is not None:
                return
            fresh = await self._store.get_interview(interview.id)
            if fresh is None or fresh.status != "active" or fresh.phase_index != interview.phase_index:
                return
            interview = fresh

    async def handle_action(self, action: Action) -> Reply:
        """A click on a phase's Next / Hint / End button. The reply is for the clicker only."""
        word = ACTION_WORDS.get(action.action)
        if word is None:
            raise UserError("That button is no longer supported.")
        interview, phase_index = await self._interview_for_action(action)
        interviewer = interview.interviewer is not None and same_person(interview.interviewer, action.user)
        if not same_person(interview.candidate, action.user) and not (interviewer and word != "hint"):
            return Reply.one(texts.not_candidate(interview.candidate.mention))
        if interview.status != "active":
            raise UserError("This interview is over. Start another with `/practice interview`.")
        if word != "end" and phase_index is not None and phase_index != interview.phase_index:
            current = interview.current_phase
            section = self._framework.section(current.section) if current else None
            return Reply.one(texts.stale_button(section))
        await self.steer(interview, word, event=self._seen(action.user.platform, action.event_key))
        return Reply()

    def _seen(self, platform: Platform, key: str) -> SeenEvent:
        return SeenEvent(platform, key, self._clock.now())

    async def _interview_for_action(self, action: Action) -> tuple[InterviewRecord, int | None]:
        """The interview a button belongs to, and the phase it was shown for (None: older buttons)."""
        interview_part, _, phase_part = action.value.partition("-")
        interview = await self._store.get_interview(button_number(interview_part))
        if interview is None:
            raise UserError("I can't find that interview any more.")
        return interview, button_number(phase_part) if phase_part else None

    # ------------------------------------------------------------------ steering
    async def steer(self, interview: InterviewRecord, word: SteerWord, *, event: SeenEvent | None = None) -> None:
        """Act on a steering word or button. ``event`` (the message or click that asked) is
        remembered in the transaction the word causes, so a redelivery acts on nothing and a
        failure leaves the redelivery to act."""
        if word in {"next", "skip", "end"}:
            await self.advance(interview, reason=word, event=event)
        elif word == "hint":
            await self._hint(interview, event=event)
        elif word == "time":
            phase = interview.current_phase
            if phase is None or interview.thread is None:
                return
            if event is not None and not await self._store.remember_event(event.platform, event.key, now=event.at):
                return
            now = self._clock.now()
            await self._chats.chat_for(interview.channel.platform).send(
                interview.thread,
                texts.time_left(
                    self._framework.section(phase.section),
                    seconds_left(interview, now),
                    total_seconds_left(interview, now),
                ),
            )
        await self._outbox.flush(bulk=False)

    async def _hint(self, interview: InterviewRecord, *, event: SeenEvent | None = None) -> None:
        phase = interview.current_phase
        if phase is None or interview.thread is None:
            return
        section = self._framework.section(phase.section)
        item = next_hint(section, interview.hints_used) if interview.interviewer is None else None
        if item is None and event is not None \
                and not await self._store.remember_event(event.platform, event.key, now=event.at):
            return  # no transition to remember it in: remembered alone
        if interview.interviewer is not None:  # the probes are the interviewer's rubric: theirs to give
            await self._store.enqueue(
                [OutboxDraft(interview.thread, texts.peer_hint(interview.interviewer.mention).text, "notice",
                             outbox_key("iv", interview.id, "peerhint", interview.version))]
            )
            return
        if item is None:
            await self._store.enqueue(
                [OutboxDraft(interview.thread, texts.no_more_hints(section).text, "notice",
                             outbox_key("iv", interview.id, "nohint", interview.version))]
            )
            return
        scenario = self._framework.scenario(interview.scenario_id)
        await self._store.transition_interview(
            interview.id,
            expected_version=interview.version,
            changes=InterviewChanges(hints_used=(*interview.hints_used, item.id)),
            event=event,
            outbox=[
                OutboxDraft(
                    interview.thread,
                    texts.hint(item.probe.replace("{scenario}", scenario.title)).text,
                    "notice",
                    outbox_key("iv", interview.id, "hint", item.id),
                )
            ],
        )

    async def advance(self, interview: InterviewRecord, *, reason: str,
                      event: SeenEvent | None = None) -> InterviewRecord | None:
        """Leave the current phase (next, skip, deadline or end). Claimed: one winner."""
        if interview.status != "active" or interview.thread is None:
            return None
        now = self._clock.now()
        index = interview.phase_index
        section = self._framework.section(interview.phases[index].section)
        outbox: list[OutboxDraft] = []
        has_answers = any(not a.withdrawn for a in await self._store.answers_for_phase(interview.id, index))
        if reason == "skip" and has_answers:
            # Never drop an answer silently: an answered phase is scored, and the candidate is told.
            reason = "next"
            outbox.append(OutboxDraft(interview.thread, texts.skip_kept_answer(section).text, "notice",
                                      outbox_key("iv", interview.id, "skipkept", index)))
        last = index + 1 >= len(interview.phases)
        if reason == "deadline" and last:  # elsewhere "Time is up" opens the next phase's own message
            outbox.append(OutboxDraft(interview.thread, texts.time_up(section, last=True).text, "notice",
                                      outbox_key("iv", interview.id, "timeup", index)))
        skipped = (*interview.skipped, index) if reason == "skip" else interview.skipped
        if reason == "end":
            changes = InterviewChanges(status="ended", clear_deadlines=True, skipped=skipped)
            outbox.append(OutboxDraft(interview.thread, texts.interview_ended_early().text, "notice",
                                      outbox_key("iv", interview.id, "ended")))
        else:
            changes = replace(enter_phase(interview.phases, index + 1, now), skipped=skipped)
        finishing = changes.status in {"finished", "ended"}
        if finishing:
            outbox.append(OutboxDraft(interview.thread, "Scorecard", "scorecard",
                                      outbox_key("iv", interview.id, "scorecard"), subject_id=interview.id))
        else:
            # The phase just left is scored in the same message that asks the next question, so
            # its score always arrives before the next phase does.
            upcoming = replace(interview, phase_index=index + 1)
            # A peer mock scores nothing aloud before the scorecard: a phase's score would hint at the rubric.
            scored = has_answers and reason != "skip" and not interview.is_peer
            outbox.append(phase_opening(self._framework, upcoming, scored=scored, time_up=reason == "deadline"))
            outbox.extend(self._rubric(upcoming))
        return await self._store.transition_interview(
            interview.id, expected_version=interview.version, changes=changes, outbox=outbox, event=event
        )

    # ------------------------------------------------------------------ the clock
    async def due(self, now: datetime) -> list[InterviewRecord]:
        return await self._store.due_interviews(now)

    async def next_due(self) -> datetime | None:
        return await self._store.next_interview_due()

    async def on_time(self, interview: InterviewRecord, now: datetime) -> None:
        """A due interview: past its deadline it moves on; near it, the candidate is nudged; after
        the candidate's pause, a follow-up about what the answers still miss may be asked."""
        if is_overdue(interview, now):
            await self.advance(interview, reason="deadline")
        elif probe_due(interview, now) and not nudge_due(interview, now):
            await self._probe(interview, now)
        elif nudge_due(interview, now) and interview.thread is not None:
            phase = interview.phases[interview.phase_index]
            section = self._framework.section(phase.section)
            await self._store.transition_interview(
                interview.id,
                expected_version=interview.version,
                changes=InterviewChanges(nudged=True),
                outbox=[OutboxDraft(interview.thread, texts.nudge(seconds_left(interview, now), section).text,
                                    "nudge", outbox_key("iv", interview.id, "nudge", interview.phase_index))],
            )


    async def _probe(self, interview: InterviewRecord, now: datetime) -> None:
        """Claim one follow-up (a versioned transition, so one process asks it, once) about the
        most important item the phase's answers still miss; or call it off."""
        phase = interview.phases[interview.phase_index]
        section = self._framework.section(phase.section)
        item = None
        if may_probe_now(interview, now, self._probes) and interview.thread is not None:
            answers = [a for a in await self._store.answers_for_phase(interview.id, interview.phase_index)
                       if not a.withdrawn]
            if answers:
                scenario = self._framework.scenario(interview.scenario_id)
                card = await score_answers(self._coverage, section=section, scenario=scenario,
                                           question=texts.opening_question(section, scenario), answers=answers)
                item = probe_target(section, card.verdicts, level=interview.level, probed=interview.probed)
        if item is None or interview.thread is None:
            await self._store.transition_interview(interview.id, expected_version=interview.version,
                                                   changes=InterviewChanges(clear_probe=True))
            return
        await self._store.transition_interview(
            interview.id,
            expected_version=interview.version,
            changes=InterviewChanges(clear_probe=True, probes_asked=interview.probes_asked + 1,
                                     probed=(*interview.probed, item.id)),
            outbox=[OutboxDraft(interview.thread, f"Follow-up: {item.probe}", "probe",
                                outbox_key("iv", interview.id, "probe", interview.phase_index, item.id),
                                payload=f"{interview.phase_index}:{item.id}", subject_id=interview.id)],
        )


def phase_opening(framework: Framework, interview: InterviewRecord, *, scored: bool = False,
                  time_up: bool = False) -> OutboxDraft:
    """The outbox row that posts the interview's current phase (rendered again when it is sent);
    ``scored``: the previous phase's score comes first, in the same message; ``time_up``: so does
    "Time is up" for it (one message per phase change: the channel's pacing adds no second)."""
    if interview.thread is None:
        raise ValueError(f"interview {interview.id} has no thread")
    phase = interview.phases[interview.phase_index]
    section = framework.section(phase.section)
    scenario = framework.scenario(interview.scenario_id)
    message = texts.phase_opening(interview, section, scenario, total_phases=len(interview.phases))
    return OutboxDraft(
        interview.thread,
        message.text,
        "scored_phase" if scored else "phase",
        outbox_key("iv", interview.id, "open", interview.phase_index),
        payload=f"{interview.phase_index}{TIME_UP_MARK if time_up else ''}",
        subject_id=interview.id,
    )

