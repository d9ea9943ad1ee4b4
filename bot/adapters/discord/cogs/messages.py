"""Thread messages: answers and steering words in; edits update an answer, deletions withdraw it.

Needs the privileged Message Content intent: without it Discord sends an empty ``content`` for
other people's messages, and an answer typed in a thread could not be read.

Every message has one event key (guild, channel, message id) on create, edit and delete, so a
gateway replay or an edit maps to the same answer. Messages of one thread are handled one at a time,
in arrival order, so ``next`` typed right after an answer cannot overtake it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.adapters.discord.ids import message_event_key, message_ref, thread_ref, user_ref
from bot.adapters.discord.inbound import MESSAGE_KIND
from bot.adapters.discord.render import not_taken
from bot.core.errors import new_error_id
from bot.core.guard import guarded
from bot.core.inbox import InboundItem, message_payload
from bot.core.messages import InMessage, Reply

if TYPE_CHECKING:
    from bot.adapters.discord.client import PracticeBot

log = logging.getLogger(__name__)

HANDLED_EVENT = "practice_handled"
"""Dispatched as ``on_practice_handled(kind, discord_id)`` once an inbound event is fully handled
(tests and the benchmark wait on it instead of sleeping)."""

ANSWER_TYPES = frozenset({discord.MessageType.default, discord.MessageType.reply})


class KeyedLocks:
    """One FIFO lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: int) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


def _snowflake(value: object) -> int | None:
    return int(value) if isinstance(value, str | int) and str(value).isdigit() else None


async def _done(call: Awaitable[None]) -> Reply:
    await call
    return Reply()


class ThreadMessages(commands.Cog):
    def __init__(self, bot: PracticeBot) -> None:
        self.bot = bot
        self._locks = KeyedLocks()

    @staticmethod
    def _guild_id(message: discord.Message) -> int | None:
        if message.guild is not None:
            return message.guild.id
        guild_id = getattr(message.channel, "guild_id", None)
        return guild_id if isinstance(guild_id, int) else None

    async def _parent_of(self, channel_id: int, channel: object = None) -> int | None:
        """The thread's parent channel; ``None`` outside threads, or when Discord cannot say right now."""
        try:
            return await self.bot.threads.parent_of(channel_id, channel)
        except (discord.HTTPException, OSError):
            log.exception("error %s looking up channel %s; its event is skipped", new_error_id(), channel_id)
            return None

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        try:
            await self._message(message)
        finally:
            self.bot.dispatch(HANDLED_EVENT, "message", message.id)

    async def _message(self, message: discord.Message) -> None:
        guild_id = self._guild_id(message)
        if guild_id is None or message.author.bot or message.type not in ANSWER_TYPES:
            return
        thread_id = message.channel.id
        parent_id = await self._parent_of(thread_id, message.channel)
        if parent_id is None:
            return  # outside threads nothing is an answer
        inbound = InMessage(
            ref=message_ref(guild_id, parent_id, message.id, thread_id),
            author=user_ref(message.author, guild_id),
            text=message.content,
            event_key=message_event_key(guild_id, thread_id, message.id),
            sent_at=message.created_at,
            author_is_bot=message.author.bot,
        )

        async def run() -> None:
            reply = await guarded(_done(self.bot.service.handle_message(inbound)), what="discord thread message")
            for out in reply.messages:  # only an apology or a user error: said in the thread, where it happened
                await self.bot.chat.send(thread_ref(guild_id, parent_id, thread_id), out)

        item = InboundItem("discord", inbound.event_key, MESSAGE_KIND, f"thread:{thread_id}", message_payload(inbound),
                           workspace=str(guild_id), member=str(message.author.id))
        async with self._locks.hold(thread_id):  # written and applied in arrival order per thread
            try:
                await self.bot.service.inbox.accept(item, run, inline=True)
            except Exception:
                log.exception("error %s: could not take Discord message %s; it is not recorded", new_error_id(),
                              message.id)
                await self.bot.chat.send(thread_ref(guild_id, parent_id, thread_id), not_taken())

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        try:
            data = payload.data
            author = data.get("author")
            guild_id = payload.guild_id or _snowflake(data.get("guild_id"))
            if guild_id is None or "content" not in data or (author and author.get("bot")):
                return
            if await self._parent_of(payload.channel_id) is None:
                return
            key = message_event_key(guild_id, payload.channel_id, payload.message_id)
            async with self._locks.hold(payload.channel_id):
                await guarded(_done(self.bot.service.handle_edit(key, data["content"])), what="discord edit")
        finally:
            self.bot.dispatch(HANDLED_EVENT, "edit", payload.message_id)

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        try:
            await self._withdraw(payload.guild_id, payload.channel_id, [payload.message_id])
        finally:
            self.bot.dispatch(HANDLED_EVENT, "delete", payload.message_id)

    @commands.Cog.listener()
    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        try:
            await self._withdraw(payload.guild_id, payload.channel_id, sorted(payload.message_ids))
        finally:
            self.bot.dispatch(HANDLED_EVENT, "bulk_delete", payload.channel_id)

    async def _withdraw(self, guild_id: int | None, channel_id: int, message_ids: list[int]) -> None:
        if guild_id is None or await self._parent_of(channel_id) is None:
            return
        async with self._locks.hold(channel_id):
            for message_id in message_ids:
                key = message_event_key(guild_id, channel_id, message_id)
                await guarded(_done(self.bot.service.handle_delete(key)), what="discord delete")


async def setup(bot: PracticeBot) -> None:
    await bot.add_cog(ThreadMessages(bot))
