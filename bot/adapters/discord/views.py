"""Buttons as persistent ``discord.ui`` items.

A button's ``custom_id`` carries the neutral action and its value (``pb:interview.next:42``), and
``PracticeButton`` is a ``DynamicItem`` registered with the client at start-up: any click whose
custom id matches the template is dispatched, whichever process sent the message and however long
ago. So buttons keep working after a restart, and no per-message view is held in memory.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot.core.messages import Button

log = logging.getLogger(__name__)

CUSTOM_ID_PREFIX = "pb"
BUTTON_EVENT = "practice_button"
"""Dispatched as ``on_practice_button(interaction, action, value)``; the buttons cog handles it."""

_ACTION = r"[a-z][a-z0-9_.-]{0,39}"
_VALUE = r"[A-Za-z0-9_-]{0,40}"
TEMPLATE = re.compile(rf"{CUSTOM_ID_PREFIX}:(?P<action>{_ACTION}):(?P<value>{_VALUE})")
MAX_BUTTONS = 25  # 5 rows of 5

_STYLES = {
    "primary": discord.ButtonStyle.primary,
    "danger": discord.ButtonStyle.danger,
    "default": discord.ButtonStyle.secondary,
}


def custom_id(action: str, value: str) -> str | None:
    """The custom id for a neutral button, or ``None`` when it cannot round-trip."""
    candidate = f"{CUSTOM_ID_PREFIX}:{action}:{value}"
    return candidate if TEMPLATE.fullmatch(candidate) else None


class PracticeButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=TEMPLATE):
    def __init__(self, action: str, value: str, *, label: str = "", style: str = "default") -> None:
        cid = custom_id(action, value)
        if cid is None:
            raise ValueError(f"button {action!r}/{value!r} cannot be encoded in a custom id")
        super().__init__(
            discord.ui.Button(label=label[:80] or action, style=_STYLES.get(style, _STYLES["default"]), custom_id=cid)
        )
        self.action = action
        self.value = value

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> PracticeButton:
        label = item.label if isinstance(item, discord.ui.Button) else None
        return cls(match["action"], match["value"], label=label or "")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        interaction.client.dispatch(BUTTON_EVENT, interaction, self.action, self.value)


def build_view(buttons: tuple[Button, ...]) -> discord.ui.View | None:
    """A persistent view of the message's buttons (``None`` when there are none).

    A button whose action or value cannot be carried in a custom id is left out (and logged):
    rendering degrades, it never raises.
    """
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for button in buttons[:MAX_BUTTONS]:
        if custom_id(button.action, button.value) is None:
            log.warning("button %r/%r cannot round-trip through a custom id; left out", button.action, button.value)
            continue
        view.add_item(PracticeButton(button.action, button.value, label=button.label, style=button.style))
    return view if view.children else None
