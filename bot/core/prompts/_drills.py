"""Drills (``/practice drill``): a personal prompt from the member's own weakest section, asked in a
thread of its own (Slack and the console: a thread on a direct message; Discord, which has no threads
in direct messages: a private thread in the channel), answered there, each answer scored at once (a
background outbox row) and counted toward the streak like any answer."""

from __future__ import annotations

import logging
import random
from collections import Counter, defaultdict
from datetime import timedelta

from framework import Framework

from bot.core.chats import Chats
from bot.core.members import Members
from bot.core.messages import CommandContext, InMessage, OutMessage, Reply
from bot.core.normalise import MAX_ANSWER_CHARS, fit_answer
from bot.core.outbox import Kicker, OutboxKind, OutboxWriter, outbox_key, send, send_private
from bot.core.ports import Chat, Clock, Scorer
from bot.core.progress import Practice
from bot.core.progress.stats import ScoreFact, ScoreScope, section_means
from bot.core.progress.store import ScoredAnswers
from bot.core.prompts import _drill_texts as texts
from bot.core.prompts.rules import DRILL_WINDOW_DAYS, SectionPractice, choose_drill
from bot.core.prompts.store import DrillDeliveryStore, DrillStore
from bot.core.records import DrillDraft, OutboxDraft, OutboxRecord, ScoreDraft
from bot.core.refs import MessageRef, ThreadRef, same_person
from bot.core.scoring import score_answers
from bot.core.texts import answer_cut

log = logging.getLogger(__name__)

DRILL_SCORE = "drill_score"
RECENT_DRILLS = 5


def missed_items(facts: list[ScoreFact]) -> dict[int, Counter[str]]:
    """section -> item id -> times missed (a partial counts a half, rounded up)."""
    weights: dict[int, Counter[str]] = defaultdict(Counter)
    for fact in facts:
        for verdict in fact.verdicts:
            if verdict.verdict != "covered":
                weights[fact.section][verdict.item_id] += 2 if verdict.verdict == "missing" else 1
    return weights


class Drills:
    def __init__(
        self,
        *,
        store: DrillStore,
        scores: ScoredAnswers,
        members: Members,
        practice: Practice,
        chats: Chats,
        outbox: OutboxWriter,
        sender: Kicker,
        framework: Framework,
        clock: Clock,
        rng: random.Random,
    ) -> None:
        self._store = store
        self._scores = scores
        self._members = members
        self._practice = practice
        self._chats = chats
        self._outbox = outbox
        self._sender = sender
        self._framework = framework
        self._clock = clock
        self._rng = rng

    async def start(self, ctx: CommandContext) -> Reply:
        await self._members.join(ctx.user, timezone=ctx.user_timezone)
        now = self._clock.now()
        scope = ScoreScope(ctx.user.platform, ctx.user.workspace, member=ctx.user)
        facts = await self._scores.scored_answers(scope, since=now.date() - timedelta(days=DRILL_WINDOW_DAYS))
        practice = {n: SectionPractice(answers, mean) for n, (answers, mean) in section_means(facts).items()}
        recent = await self._store.recent_drills(ctx.user, limit=RECENT_DRILLS)
        choice = choose_drill(self._framework, practice, missed_items(facts), recent, self._rng)
        question = texts.drill_question(choice.section, choice.scenario, choice.question,
                                        texts.why(choice.mean, choice.answers, DRILL_WINDOW_DAYS))
        chat = self._chats.chat_for(ctx.channel.platform)
        title = texts.drill_thread_name(choice.section)
        if chat.capabilities.dm_threads:
            root = await send_private(chat, ctx.user, ctx.channel, question)
            thread = await chat.start_thread(root, title)
            reply = Reply.one(texts.drill_ready_in_direct_messages())
        else:
            parent = texts.drill_parent(ctx.user.mention, choice.section)
            root = await send(chat, ctx.channel, OutMessage(text=parent))
            thread = await chat.start_thread(root, title)
            await send(chat, thread, question)
            reply = Reply()  # the adapter points to the thread it opened
        await self._store.create_drill(DrillDraft(ctx.user, ctx.channel, choice.section.number, choice.scenario.id,
                                                  choice.item.id, choice.question, thread, now))
        return reply

    async def handle_message(self, message: InMessage, thread: ThreadRef) -> bool:
        """A message in ``thread``: True when the thread is a drill's (handled here). Only the
        member's own messages are answers."""
        drill = await self._store.drill_by_thread(thread)
        if drill is None:
            return False
        if not same_person(drill.member, message.author):
            return True
        fitted = fit_answer(message.text)
        if not fitted.text:
            return True
        answer = await self._practice.record(message, fitted.text, drill.channel, drill_id=drill.id)
        if answer is None:
            return True  # a redelivery: scored the first time
        await self._outbox.enqueue([OutboxDraft(thread, "Drill scored", DRILL_SCORE,
                                                outbox_key("drill", drill.id, "answer", answer.id),
                                                payload=str(answer.id), subject_id=drill.id)])
        self._sender.kick()
        chat = self._chats.chat_for(message.ref.channel.platform)
        if chat.capabilities.reactions:
            await chat.react(message.ref, "white_check_mark")
        if fitted.cut:
            await chat.send(thread, answer_cut(MAX_ANSWER_CHARS))
        return True


class DrillDelivery:
    """The ``drill_score`` row: one answer scored (a background job: it may call an LLM), its card
    saved and posted in the drill's thread."""

    def __init__(self, *, store: DrillDeliveryStore, scorer: Scorer, framework: Framework, clock: Clock) -> None:
        self._store = store
        self._scorer = scorer
        self._framework = framework
        self._clock = clock

    def kinds(self) -> tuple[OutboxKind, ...]:
        return (OutboxKind(DRILL_SCORE, self._score, background=True),)

    async def _score(self, chat: Chat, row: OutboxRecord) -> MessageRef:
        drill = await self._store.get_drill(row.subject_id or 0)
        answers = [a for a in await self._store.answers_for_drill(drill.id)] if drill is not None else []
        answer = next((a for a in answers if str(a.id) == row.payload and not a.withdrawn), None)
        if drill is None or answer is None:  # forgotten, or withdrawn before it was scored
            return await send(chat, row.target, OutMessage(text="That drill answer is gone, so it was not scored."))
        section = self._framework.section(drill.section)
        card = await score_answers(self._scorer, section=section, scenario=self._framework.scenario(drill.scenario_id),
                                   question=drill.question, answers=[answer])
        await self._store.save_score(ScoreDraft(card, answer_id=answer.id, created_at=self._clock.now()))
        return await send(chat, row.target, texts.drill_scored(section, card))
