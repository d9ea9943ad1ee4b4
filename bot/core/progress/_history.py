"""History and export: ``/practice history`` (the last interviews and drills with dates and scores)
and ``/practice export`` (a Markdown transcript and the same as JSON, as files to the member);
``document`` serves ``practice-bot export`` for operators."""

from __future__ import annotations

from typing import Literal

from framework import Framework

from bot.core.messages import CommandContext, Reply
from bot.core.progress import _history_texts as texts
from bot.core.progress.history import export_json, export_markdown
from bot.core.progress.store import HistoryStore
from bot.core.refs import Platform

ExportFormat = Literal["md", "json"]


class History:
    def __init__(self, *, store: HistoryStore, framework: Framework) -> None:
        self._store = store
        self._framework = framework

    async def history(self, ctx: CommandContext) -> Reply:
        found = await self._store.member_history(ctx.user.platform, ctx.user.user_id)
        return Reply.one(texts.history_message(found, self._framework))

    async def export(self, ctx: CommandContext) -> Reply:
        found = await self._store.member_history(ctx.user.platform, ctx.user.user_id)
        if found is None or not (found.interviews or found.prompts or found.unlinked):
            return Reply.one(texts.nothing_to_export())
        return Reply.one(texts.export_message(found, export_markdown(found, self._framework),
                                              export_json(found, self._framework)))

    async def document(self, platform: Platform, user_id: str, fmt: ExportFormat) -> str | None:
        """The member's export as text (``None``: nothing about them is stored)."""
        found = await self._store.member_history(platform, user_id)
        if found is None:
            return None
        return export_markdown(found, self._framework) if fmt == "md" else export_json(found, self._framework)
