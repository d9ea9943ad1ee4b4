"""The daily prompts capability: one practice question a day in each scheduled channel.

Owns channel schedules, the daily fan-out, prompts on request, answers in a prompt's thread,
the checklist button, closing the answer window, and how its outbox rows (the prompt with
its thread, the reveal with every answer scored) are delivered. Pure rules in ``rules``, the
ports it needs in ``store``. Each prompt's section is weighted toward the channel's least
practised, lowest-scoring sections; drills (``Drills``, ``DrillDelivery``) are personal prompts from
a member's own weakest section, scored at once.
"""

from bot.core.prompts._delivery import PromptDelivery
from bot.core.prompts._drills import DrillDelivery, Drills
from bot.core.prompts._prompts import DailyPrompts
from bot.core.prompts._schedules import Schedules
from bot.core.prompts._texts import CHECKLIST
from bot.core.prompts.store import (
    DrillDeliveryStore,
    DrillStore,
    PromptDeliveryStore,
    PromptReader,
    PromptStore,
    ScheduleStore,
)

__all__ = [
    "CHECKLIST",
    "DailyPrompts",
    "DrillDelivery",
    "DrillDeliveryStore",
    "DrillStore",
    "Drills",
    "PromptDelivery",
    "PromptDeliveryStore",
    "PromptReader",
    "PromptStore",
    "ScheduleStore",
    "Schedules",
]
