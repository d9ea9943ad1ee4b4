"""The Discord adapter the runtime starts: log in, sync, connect the gateway in the background."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import discord

from bot.adapters.discord.client import PracticeBot
from bot.config import Settings
from bot.core.service import PracticeService

log = logging.getLogger(__name__)

INTENTS_HELP = (
    "Discord refused the Message Content intent. Enable it for the bot in the Developer Portal "
    "(Bot > Privileged Gateway Intents > Message Content): the bot reads answers typed in threads."
)


class DiscordStartError(RuntimeError):
    """The gateway closed before the bot was ready (bad token, missing intent, network)."""


class DiscordAdapter:
    name = "discord"

    def __init__(self, settings: Settings, service: PracticeService, *, guild_ready_timeout: float = 2.0,
                 sync_commands: bool = True) -> None:
        if settings.discord_token is None:
            raise ValueError("DISCORD_TOKEN is not set")
        self._token = settings.discord_token.get_secret_value()
        self._service = service
        application_id = settings.discord_application_id
        self.bot = PracticeBot(
            service=service,
            private_threads=settings.discord_private_threads,
            dev_guild_id=settings.discord_dev_guild_id,
            sync_commands=sync_commands,
            application_id=int(application_id) if application_id and application_id.isdigit() else None,
            guild_ready_timeout=guild_ready_timeout,
        )
        self._gateway: asyncio.Task[None] | None = None

    async def login(self) -> None:
        """REST only: log in, load the cogs, sync commands, and attach the Chat to the service."""
        self._service.attach(self.bot.chat)
        try:
            await self.bot.login(self._token)
        except BaseException:
            await self.bot.close()  # no half-open HTTP session left behind
            raise

    async def start(self) -> None:
        """Log in, then run the gateway in a background task; return once Discord says ready."""
        await self.login()
        self._gateway = asyncio.create_task(self.bot.connect(reconnect=True), name="discord-gateway")
        ready = asyncio.create_task(self.bot.wait_until_ready(), name="discord-ready")
        try:
            await asyncio.wait({self._gateway, ready}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            ready.cancel()
        if self.bot.is_ready():
            log.info("discord ready as %s", self.bot.user)
            self._service.inbox.start()
            await self._service.inbox.resume()  # what a dead process had taken and not finished
            return
        error = self._gateway.exception() if self._gateway.done() else None
        await self.bot.close()
        if isinstance(error, discord.PrivilegedIntentsRequired):
            raise DiscordStartError(INTENTS_HELP) from error
        raise DiscordStartError(f"the Discord gateway closed before the bot was ready: {error!r}") from error

    def is_ready(self) -> bool:
        """Logged in and the gateway connected (false while it reconnects)."""
        return self.bot.is_ready() and not self.bot.is_closed() and self._gateway is not None \
            and not self._gateway.done()

    async def wait(self) -> None:
        """Return when the gateway stops for good (``connect`` reconnects by itself until then)."""
        if self._gateway is None:
            return
        try:
            await self._gateway
        except discord.PrivilegedIntentsRequired:
            log.error(INTENTS_HELP)
        except (discord.DiscordException, OSError):
            log.exception("the Discord gateway stopped")

    async def stop(self) -> None:
        await self._service.inbox.stop()  # what is left stays stored for the next start
        await self.bot.close()
        if self._gateway is not None:
            with contextlib.suppress(asyncio.CancelledError, discord.DiscordException, OSError):
                await self._gateway
