"""The Protocols every part of the core shares: ``Chat``, ``Clock``, ``Scorer`` and ``Charts``.

Adapters implement ``Chat``; ``bot.scoring`` implements ``Scorer``; tests inject a fake
``Clock``. The database ports are narrow and live with the capability that uses them
(``bot.core.interviews.store``, ``bot.core.prompts.store``, ...); ``bot.storage`` implements
each in a module of its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

from framework import ChecklistItem, Level, Scenario, Section

from bot.core.charts import PersonalChart, TeamChart
from bot.core.messages import Capabilities, OutMessage
from bot.core.records import FollowUp, ScoreCard
from bot.core.refs import MessageRef, Platform, Target, ThreadRef, UserRef


class Clock(Protocol):
    def now(self) -> datetime:
        """Timezone-aware UTC now."""
        ...


class Chat(Protocol):
    """One platform's way to talk. Every method is awaited; failures surface to the caller."""

    platform: Platform
    capabilities: Capabilities

    async def send(self, where: Target, message: OutMessage) -> MessageRef:
        """Post ``message`` in a channel or inside a thread; the returned ref keeps the thread."""
        ...

    async def start_thread(self, root: MessageRef, title: str) -> ThreadRef:
        """Open a thread under ``root`` (Slack: the root ts; Discord: a new thread channel)."""
        ...

    async def send_private(self, to: UserRef, near: Target, message: OutMessage) -> MessageRef:
        """Post ``message`` where only ``to`` reads it (Slack and Discord: a direct message from the bot;
        console: a line marked private, shown by ``near``). Buttons on it come back as actions."""
        ...

    async def edit(self, ref: MessageRef, message: OutMessage) -> None: ...

    async def react(self, ref: MessageRef, emoji: str) -> None:
        """Add a reaction; ``emoji`` is a neutral name such as ``white_check_mark``."""
        ...

    async def find_sent(self, where: Target, key: str, *, since: datetime) -> MessageRef | None:
        """The message this bot posted in ``where`` since ``since`` carrying ``key`` (see
        ``OutMessage.key``), if the platform can tell: asked before an uncertain earlier attempt is
        repeated. ``None`` when there is none, or when the platform drops repeats itself."""
        ...


class Scorer(Protocol):
    kind: str

    async def score(
        self, *, section: Section, scenario: Scenario | None, question: str, answer: str
    ) -> ScoreCard: ...


@runtime_checkable
class AdminNotices(Protocol):
    """Something an admin should hear about once (a scorer whose LLM calls keep timing out): the
    service adds it, privately, to the next reply to someone who may manage the bot."""

    def take_admin_notice(self) -> str | None:
        """The notice, once (``None`` afterwards, and while there is nothing to say)."""
        ...


class Charts(Protocol):
    """Draws the core's chart data as PNG bytes (``bot.charts``: matplotlib, in a worker thread).
    Raises when it cannot draw; the caller then sends the text fallback."""

    async def personal(self, chart: PersonalChart) -> bytes: ...

    async def team(self, chart: TeamChart) -> bytes: ...


@runtime_checkable
class Prober(Protocol):
    """Phrases a follow-up question from an answer (the LLM scorer implements it)."""

    async def follow_up(
        self, *, section: Section, scenario: Scenario, question: str, answer: str, item: ChecklistItem, level: Level
    ) -> FollowUp | None:
        """A question about ``item`` that builds on ``answer``; ``None`` when it cannot be had."""
        ...
