"""The discord.py client: minimal intents, the cogs, and command sync.

Intents (nothing else is asked for):

- ``guilds``: channel and thread cache, so a message's thread and its parent channel are known
  without a REST call;
- ``guild_messages``: message create / update / delete events in server channels and threads
  (answers, edits that update them, deletions that withdraw them);
- ``message_content`` (privileged; enable it in the Developer Portal under Bot): without it Discord
  blanks ``content`` for other people's messages, so answers typed in a thread could not be read.

No members, presences, reactions, typing or direct-message intents: the bot does not use them.

Commands sync per guild when ``DISCORD_DEV_GUILD_ID`` is set (instant, for development) and globally
otherwise (production; Discord may take a while to show changes). Syncing is a bulk overwrite, so
running it on every start is idempotent.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord.chat import DiscordChat, ThreadDirectory
from bot.adapters.discord.edge import check_payloads
from bot.adapters.discord.inbound import register_appliers
from bot.adapters.discord.replies import Responder
from bot.core import texts
from bot.core.errors import new_error_id
from bot.core.service import PracticeService

log = logging.getLogger(__name__)

EXTENSIONS = (
    "bot.adapters.discord.cogs.practice",
    "bot.adapters.discord.cogs.messages",
    "bot.adapters.discord.cogs.buttons",
)


def practice_intents() -> discord.Intents:
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.message_content = True
    return intents


class PracticeTree(app_commands.CommandTree["PracticeBot"]):
    """Commands wrap every core call in ``guarded``; this catches anything that still escapes
    (a bug in the adapter, a failed transform) so nobody is left with "thinking..." forever."""

    async def on_error(self, interaction: discord.Interaction[PracticeBot], error: app_commands.AppCommandError,
                       /) -> None:
        error_id = new_error_id()
        name = interaction.command.qualified_name if interaction.command else "?"
        if isinstance(error, app_commands.CommandInvokeError):
            log.error("error %s in /%s", error_id, name, exc_info=error)
        else:  # options that do not transform, a command Discord knows and we do not: the payload's fault
            log.warning("error %s: /%s refused: %s: %s", error_id, name, type(error).__name__, str(error)[:120])
        await Responder(interaction).send([texts.apology(error_id)])


class PracticeBot(commands.Bot):
    def __init__(
        self,
        *,
        service: PracticeService,
        private_threads: bool = False,
        dev_guild_id: int | None = None,
        sync_commands: bool = True,
        **options: Any,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,  # no prefix commands: everything is /practice
            help_command=None,
            intents=practice_intents(),
            allowed_mentions=discord.AllowedMentions(everyone=False, roles=False, users=True, replied_user=False),
            max_messages=None,  # raw edit/delete events carry all we need; no message cache to grow
            chunk_guilds_at_startup=False,
            tree_cls=PracticeTree,
            **options,
        )
        check_payloads(self._connection.parsers, option_types=self._option_types)
        self.service = service
        self.threads = ThreadDirectory(self)
        self.chat = DiscordChat(self, private_threads=private_threads, threads=self.threads)
        self.dev_guild_id = dev_guild_id
        self.sync_on_start = sync_commands

    def _option_types(self, command: str, subcommand: str) -> dict[str, int] | None:
        """The options ``/command subcommand`` declares, by name, as Discord option type numbers."""
        group = self.tree.get_command(command)
        if not isinstance(group, app_commands.Group):
            return None
        sub = group.get_command(subcommand)
        if not isinstance(sub, app_commands.Command):
            return None
        return {parameter.name: parameter.type.value for parameter in sub.parameters}

    async def setup_hook(self) -> None:
        register_appliers(self)
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        if self.sync_on_start:
            await self.sync_commands()

    async def sync_commands(self) -> list[discord.app_commands.AppCommand]:
        if self.dev_guild_id is not None:
            guild = discord.Object(id=self.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d command(s) to development guild %s", len(synced), self.dev_guild_id)
        else:
            synced = await self.tree.sync()
            log.info("synced %d command(s) globally", len(synced))
        return synced

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands to process; the messages cog listens for answers."""
