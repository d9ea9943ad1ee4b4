"""Help and the framework as people browse it."""

from __future__ import annotations

from framework import Framework

from bot.core.catalog import _texts as texts
from bot.core.messages import Reply


class Catalog:
    def __init__(self, *, framework: Framework) -> None:
        self._framework = framework

    async def help(self) -> Reply:
        return Reply.one(texts.help_message())

    async def sections(self) -> Reply:
        return Reply.one(texts.sections_message(self._framework))

    async def section(self, number: int) -> Reply:
        return Reply.one(texts.section_message(self._framework.section(number)))

    async def scenarios(self) -> Reply:
        return Reply.one(texts.scenarios_message(self._framework))
