"""How a daily prompt's outbox rows are delivered: the prompt with its thread, and the reveal."""

from __future__ import annotations

from collections import defaultdict

from framework import Framework

from bot.core.members import Members
from bot.core.messages import OutMessage
from bot.core.outbox import OutboxKind, send
from bot.core.ports import Chat, Clock, Scorer
from bot.core.prompts import _texts as texts
from bot.core.prompts.store import PromptDeliveryStore
from bot.core.records import AnswerRecord, OutboxRecord, ScoreCard, ScoreDraft
from bot.core.refs import MessageRef
from bot.core.scoring import score_answers


class PromptDelivery:
    """Both kinds are bulk (made for every scheduled channel at once); the reveal scores every
    answer, so it runs as a background job."""

    def __init__(
        self, *, store: PromptDeliveryStore, members: Members, scorer: Scorer, framework: Framework, clock: Clock
    ) -> None:
        self._store = store
        self._members = members
        self._scorer = scorer
        self._framework = framework
        self._clock = clock

    def kinds(self) -> tuple[OutboxKind, ...]:
        return (
            OutboxKind("prompt", self._prompt, bulk=True, checks_sent=True),
            OutboxKind("reveal", self._reveal, background=True, bulk=True),
        )

    async def _prompt(self, chat: Chat, row: OutboxRecord) -> MessageRef | None:
        prompt = await self._store.get_prompt(row.subject_id or 0)
        if prompt is None:
            return await send(chat, row.target, OutMessage(text=row.text))
        root = prompt.message
        if root is None and row.attempts > 1:  # an earlier attempt may have posted it before it was recorded
            root = await chat.find_sent(row.target, row.dedupe_key, since=row.created_at)
        if root is None:
            message = texts.daily_prompt(
                prompt,
                self._framework.scenario(prompt.scenario_id),
                self._framework.section(prompt.section),
                prompt.closes_at,
                await self._members.channel_timezone(prompt.channel),
            )
            root = await send(chat, row.target, message)
            if not chat.capabilities.thread_is_root:
                # Opening the thread is a call that can fail: remember the root first, so a retry
                # opens the thread on it instead of posting the prompt again.
                await self._store.set_prompt_message(prompt.id, message=root, thread=None)
        thread = prompt.thread or await chat.start_thread(root, texts.prompt_thread_name(prompt))
        await self._store.set_prompt_message(prompt.id, message=root, thread=thread, sent_outbox_id=row.id)
        return None

    async def _reveal(self, chat: Chat, row: OutboxRecord) -> MessageRef:
        prompt = await self._store.get_prompt(row.subject_id or 0)
        if prompt is None:
            return await send(chat, row.target, OutMessage(text=row.text))
        answers = [a for a in await self._store.answers_for_prompt(prompt.id) if not a.withdrawn]
        by_member: dict[tuple[str, str], list[AnswerRecord]] = defaultdict(list)
        for answer in answers:
            by_member[(answer.member.user_id, answer.member.workspace)].append(answer)
        section = self._framework.section(prompt.section)
        results: list[tuple[str, ScoreCard]] = []
        for member_answers in by_member.values():
            scenario = self._framework.scenario(prompt.scenario_id)
            card = await score_answers(self._scorer, section=section, scenario=scenario,
                                       question=prompt.question, answers=member_answers)
            await self._store.save_score(
                ScoreDraft(card, answer_id=member_answers[0].id, created_at=self._clock.now())
            )
            results.append((member_answers[0].member.mention, card))
        return await send(chat, row.target, texts.prompt_reveal(section, results))
