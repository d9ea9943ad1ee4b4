"""Answering an interaction inside Discord's 3-second window, then completing it.

Work that may touch the database (or, through the outbox, an LLM) is deferred first; the reply
follows as follow-up messages. A deferred "thinking" response is public or private for good, and
its first follow-up replaces it, so when the reply wants the other visibility this sends a short
ephemeral note first (public reply after a private defer) or deletes the public placeholder
(private reply after a public defer): an error meant for one person is never shown to everyone.

Files (charts) go as attachments when the interaction says the bot may attach files in this channel
(``app_permissions``, the Attach Files permission); otherwise, or when Discord refuses the upload,
the message goes as its text fallback, which carries the same facts.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import discord

from bot.adapters.discord.render import Rendered, posted_below, render, render_one
from bot.core.errors import new_error_id
from bot.core.messages import OutMessage, SectionBlock

log = logging.getLogger(__name__)


class Responder:
    """One interaction's response: an optional defer, then every message of the reply in order."""

    def __init__(self, interaction: discord.Interaction[Any]) -> None:
        self.interaction = interaction
        self._placeholder_ephemeral: bool | None = None
        """Set while a deferred "thinking" placeholder waits for its first follow-up."""

    async def defer(self, *, ephemeral: bool, thinking: bool = True) -> bool:
        """Acknowledge now. ``thinking=False`` on a button acknowledges silently (no placeholder).

        False when Discord refused (the interaction expired or was already answered).
        """
        try:
            if thinking or self.interaction.type is not discord.InteractionType.component:
                await self.interaction.response.defer(ephemeral=ephemeral, thinking=True)
                self._placeholder_ephemeral = ephemeral
            else:
                await self.interaction.response.defer()
        except discord.HTTPException as exc:
            log.warning("could not defer interaction %s (%s): %s", self.interaction.id, self.interaction.type, exc)
            return False
        return True

    async def send(self, messages: Sequence[OutMessage]) -> None:
        """Send the reply; delivery failures are logged with an error id (nobody is left to tell)."""
        try:
            for message in messages:
                if message.files and not self.interaction.app_permissions.attach_files:
                    message = message.text_only()
                for part in render(message):
                    await self._send_part_or_its_fallback(part, message)
        except discord.HTTPException:
            log.exception("error %s answering interaction %s", new_error_id(), self.interaction.id)

    async def _send_part_or_its_fallback(self, part: Rendered, message: OutMessage) -> None:
        if not part.files:
            await self._send_part(part, ephemeral=message.ephemeral)
            return
        try:
            await self._send_part(part, ephemeral=message.ephemeral)
        except discord.HTTPException as exc:  # too large, or a permission the interaction did not show
            log.warning("Discord would not take a file (%s %s); sending its text fallback", exc.status, exc.code)
            facts = "\n\n".join(f.fallback for f in part.files if f.fallback)
            if facts:
                fallback = OutMessage(text=facts, blocks=(SectionBlock(facts),), ephemeral=message.ephemeral)
                for text_part in render(fallback):
                    await self._send_part(text_part, ephemeral=message.ephemeral)

    async def _send_part(self, part: Rendered, *, ephemeral: bool) -> None:
        interaction = self.interaction
        if not interaction.response.is_done():
            await interaction.response.send_message(**part.send_kwargs(), ephemeral=ephemeral)
            return
        placeholder, self._placeholder_ephemeral = self._placeholder_ephemeral, None
        if placeholder is not None and placeholder != ephemeral:
            if placeholder:
                await interaction.followup.send(**render_one(posted_below()).send_kwargs(), ephemeral=True)
            else:
                await interaction.delete_original_response()
        await interaction.followup.send(**part.send_kwargs(), ephemeral=ephemeral)
