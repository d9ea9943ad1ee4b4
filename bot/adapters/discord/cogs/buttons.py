"""Button clicks: the persistent ``PracticeButton`` items dispatch here, whichever process sent them."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.adapters.discord import render
from bot.adapters.discord.cogs.messages import HANDLED_EVENT
from bot.adapters.discord.ids import interaction_event_key, message_ref, user_ref
from bot.adapters.discord.inbound import ACTION_KIND
from bot.adapters.discord.replies import Responder
from bot.adapters.discord.views import PracticeButton
from bot.core.errors import new_error_id
from bot.core.guard import guarded
from bot.core.inbox import InboundItem, action_payload
from bot.core.messages import Action
from bot.core.normalise import display_name
from bot.core.refs import ChannelRef, MessageRef, UserRef

if TYPE_CHECKING:
    from bot.adapters.discord.client import PracticeBot

log = logging.getLogger(__name__)


class Buttons(commands.Cog):
    def __init__(self, bot: PracticeBot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_practice_button(self, interaction: discord.Interaction[PracticeBot], action: str, value: str) -> None:
        try:
            await self._click(interaction, action, value)
        finally:
            self.bot.dispatch(HANDLED_EVENT, "button", interaction.id)

    async def _click(self, interaction: discord.Interaction[PracticeBot], action: str, value: str) -> None:
        responder = Responder(interaction)
        guild_id, channel_id, message = interaction.guild_id, interaction.channel_id, interaction.message
        if channel_id is None or message is None:
            await responder.send([render.guild_only()])
            return
        if guild_id is None:  # a direct message (a peer mock's rubric): no server, so no workspace
            ref = MessageRef(ChannelRef("discord", str(channel_id), ""), str(message.id))
            user = UserRef("discord", str(interaction.user.id), "", display_name(interaction.user.display_name))
        else:
            parent_id = await self.bot.threads.parent_of(channel_id, interaction.channel)
            ref = (
                message_ref(guild_id, parent_id, message.id, channel_id)
                if parent_id is not None
                else message_ref(guild_id, channel_id, message.id, None)
            )
            user = user_ref(interaction.user, guild_id)
        click = Action(
            action=action,
            value=value,
            user=user,
            message=ref,
            event_key=interaction_event_key(interaction.id),
            user_is_bot=interaction.user.bot,
        )

        async def run() -> None:
            # Acknowledge silently: steering posts into the thread; only a note for the clicker follows.
            if not await responder.defer(ephemeral=True, thinking=False):
                return
            reply = await guarded(self.bot.service.handle_action(click), what=f"discord button {action}")
            await responder.send(reply.messages)

        order = f"thread:{click.message.thread.thread_id if click.message.thread else click.message.message_id}"
        item = InboundItem("discord", click.event_key, ACTION_KIND, order, action_payload(click),
                           workspace=user.workspace, member=user.user_id)
        try:
            await self.bot.service.inbox.accept(item, run, inline=True)
        except Exception:
            log.exception("error %s: could not take Discord click %s", new_error_id(), interaction.id)
            await responder.send([render.not_taken()])


async def setup(bot: PracticeBot) -> None:
    bot.add_dynamic_items(PracticeButton)
    await bot.add_cog(Buttons(bot))
