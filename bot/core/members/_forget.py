"""Forget-me: a person takes every trace of themselves out of the bot, after saying yes."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.core.errors import UserError
from bot.core.members import _texts as texts
from bot.core.members.store import ForgetReport, ForgetStore
from bot.core.messages import Action, CommandContext, Reply
from bot.core.ports import Clock
from bot.core.refs import Platform

log = logging.getLogger(__name__)

CONFIRM_WINDOW = timedelta(minutes=10)
"""How long the confirm button works: an old one found later in a scrolled-up chat does nothing."""


class Forgetting:
    """``/practice forget-me`` asks; the asker's own click on Forget me deletes, in one transaction,
    every row about them. Operators run the same deletion with ``practice-bot forget``."""

    def __init__(self, *, store: ForgetStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def ask(self, ctx: CommandContext) -> Reply:
        issued = int(self._clock.now().timestamp())
        value = f"{ctx.user.user_id}-{issued}"
        return Reply.one(texts.confirm_forget(value, valid_minutes=int(CONFIRM_WINDOW.total_seconds() // 60)))

    async def handle_action(self, action: Action) -> Reply:
        """Forget me / Keep my data: only the person who asked, and only while the question is fresh."""
        if action.action not in {texts.FORGET, texts.KEEP}:
            raise UserError("That button is no longer supported.")
        asker, _, issued = action.value.rpartition("-")
        if not asker or not (issued.isascii() and issued.isdigit()):
            raise UserError("That button's data is damaged; run `/practice forget-me` again.")
        if asker != action.user.user_id:
            return Reply.one(texts.not_yours())
        if action.action == texts.KEEP:
            return Reply.one(texts.kept())
        age = self._clock.now().timestamp() - int(issued[:12])
        if not 0 <= age <= CONFIRM_WINDOW.total_seconds():
            return Reply.one(texts.expired())
        return Reply.one(texts.forgotten(await self.forget(action.user.platform, action.user.user_id)))

    async def forget(self, platform: Platform, user_id: str) -> ForgetReport:
        """Delete every row about this person; logged as an event that names nobody."""
        report = await self._store.forget_member(platform, user_id)
        log.info(
            "forget-me on %s: %d rows deleted (members %d, answers %d, scores %d, interviews %d, "
            "practice days %d, events %d, outbox %d, marks %d, drills %d, inbox %d, pauses %d, pairing %d)",
            platform, report.total, report.members, report.answers, report.scores, report.interviews,
            report.practice_days, report.events, report.outbox, report.marks, report.drills, report.inbox,
            report.pauses, report.pairing,
            extra={"event": "member.forgotten", "platform": platform, "rows": report.total},
        )
        return report
