"""The core's ``Chat`` port over Discord's REST API (discord.py's HTTP client; no gateway cache needed).

Sends use ``PartialMessageable``s, so a scheduled post after a restart needs nothing but the ids stored
in its ref. Threads are channels on Discord: a message "in a thread" is posted to the thread's id.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import discord

from bot.adapters.discord.ids import posted_channel_id, snowflake
from bot.adapters.discord.render import discord_emoji, render, render_one, thread_name
from bot.core.messages import Capabilities, OutMessage
from bot.core.refs import ChannelRef, MessageRef, Platform, Target, ThreadRef, UserRef, channel_of

log = logging.getLogger(__name__)

THREAD_ARCHIVE_MINUTES: Final = 1440  # a day: longer than any interview, and a daily prompt's answer window
PRIVATE_THREAD: Final = 12


@dataclass
class CommandScope:
    """What the Chat should know about the slash command it is serving (one per command task).

    The core's ``start_interview`` posts the parent message and opens the thread itself; the first
    thread it opens in the command's channel is the command's own thread. Only that thread is made
    private (when configured) and gets the candidate added; its id is kept for the ephemeral reply.
    """

    channel_id: int
    user_id: int
    private: bool = False
    thread_id: int | None = None
    always_private: bool = False
    """Private even without ``DISCORD_PRIVATE_THREADS`` (a drill: one member's own practice)."""


_scope: ContextVar[CommandScope | None] = ContextVar("discord_command_scope", default=None)


@contextlib.contextmanager
def command_scope(scope: CommandScope) -> Iterator[CommandScope]:
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


class ThreadDirectory:
    """Which parent channel a thread belongs to (``None``: the channel is not a thread).

    The core identifies a thread by its parent channel and its own id. The gateway cache knows the
    parent of threads it has seen; otherwise this remembers threads the bot opened and looks others
    up once over REST (``GET /channels/{id}``), keeping a bounded LRU.
    """

    def __init__(self, client: discord.Client, *, size: int = 10_000) -> None:
        self._client = client
        self._size = size
        self._parents: OrderedDict[int, int | None] = OrderedDict()
        self._pending: dict[int, asyncio.Future[int | None]] = {}

    def remember(self, channel_id: int, parent_id: int | None) -> None:
        self._parents[channel_id] = parent_id
        self._parents.move_to_end(channel_id)
        while len(self._parents) > self._size:
            self._parents.popitem(last=False)

    def known(self, channel: object) -> tuple[bool, int | None]:
        """From an object the library gave us: (whether it answers the question, the parent)."""
        if isinstance(channel, discord.Thread):
            return True, channel.parent_id
        if isinstance(channel, discord.abc.GuildChannel):
            return True, None
        return False, None

    async def parent_of(self, channel_id: int, channel: object = None) -> int | None:
        decided, parent = self.known(channel)
        if not decided:
            decided, parent = self.known(self._client.get_channel(channel_id))
        if decided:
            self.remember(channel_id, parent)
            return parent
        if channel_id in self._parents:
            self._parents.move_to_end(channel_id)
            return self._parents[channel_id]
        pending = self._pending.get(channel_id)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._pending[channel_id] = future
        try:
            parent = await self._fetch_parent(channel_id)
            future.set_result(parent)
            return parent
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it, nobody else needs to
            raise
        finally:
            del self._pending[channel_id]

    async def _fetch_parent(self, channel_id: int) -> int | None:
        try:
            fetched = await self._client.fetch_channel(channel_id)
        except (discord.NotFound, discord.Forbidden):
            self.remember(channel_id, None)  # gone or not visible to us: nothing of ours lives there
            return None
        parent = fetched.parent_id if isinstance(fetched, discord.Thread) else None
        self.remember(channel_id, parent)
        return parent


class DiscordChat:
    platform: Platform = "discord"
    capabilities = Capabilities(threads=True, buttons=True, edits=True, reactions=True, ephemeral=True,
                                max_text=2000, dm_threads=False)

    def __init__(self, client: discord.Client, *, private_threads: bool, threads: ThreadDirectory) -> None:
        self._client = client
        self._private_threads = private_threads
        self.threads = threads

    def _messageable(self, where: Target) -> discord.PartialMessageable:
        in_thread = isinstance(where, ThreadRef)
        return self._client.get_partial_messageable(
            posted_channel_id(where),
            guild_id=snowflake(channel_of(where).workspace),
            type=discord.ChannelType.public_thread if in_thread else discord.ChannelType.text,
        )

    async def send(self, where: Target, message: OutMessage) -> MessageRef:
        target = self._messageable(where)
        sent: discord.Message | None = None
        parts = render(message)
        for number, part in enumerate(parts):
            kwargs = part.send_kwargs()
            if message.key:  # Discord drops a repeat with the same enforced nonce (sent within minutes)
                kwargs["nonce"] = nonce(message.key if number == len(parts) - 1 else f"{message.key}#{number + 1}")
            sent = await target.send(**kwargs)
        if sent is None:  # render always gives at least one part
            raise RuntimeError("nothing was rendered")
        return MessageRef(channel_of(where), str(sent.id), where if isinstance(where, ThreadRef) else None)

    async def send_private(self, to: UserRef, near: Target, message: OutMessage) -> MessageRef:
        """A direct message: the DM channel is opened (or found) over REST, then posted to like any
        channel, with an enforced nonce so a repeat is dropped."""
        data = await self._client.http.start_private_message(int(to.user_id))
        dm_id = int(data["id"])
        target = self._client.get_partial_messageable(dm_id, type=discord.ChannelType.private)
        sent: discord.Message | None = None
        parts = render(message)
        for number, part in enumerate(parts):
            kwargs = part.send_kwargs()
            if message.key:
                kwargs["nonce"] = nonce(message.key if number == len(parts) - 1 else f"{message.key}#{number + 1}")
            sent = await target.send(**kwargs)
        if sent is None:
            raise RuntimeError("nothing was rendered")
        return MessageRef(ChannelRef("discord", str(dm_id), ""), str(sent.id))

    async def find_sent(self, where: Target, key: str, *, since: datetime) -> MessageRef | None:
        return None  # every post carries an enforced nonce: Discord itself drops the repeat

    async def start_thread(self, root: MessageRef, title: str) -> ThreadRef:
        if root.thread is not None:
            return root.thread  # Discord cannot open a thread inside a thread: stay in this one
        channel_id = int(root.channel.channel_id)
        scope = _scope.get()
        ours = scope is not None and scope.thread_id is None and scope.channel_id == channel_id
        http = self._client.http
        name = thread_name(title)
        if ours and scope is not None and scope.private and (self._private_threads or scope.always_private):
            data = await http.start_thread_without_message(
                channel_id, name=name, auto_archive_duration=THREAD_ARCHIVE_MINUTES, type=PRIVATE_THREAD,
                invitable=False,
            )
            thread_id = int(data["id"])
            await http.add_user_to_thread(thread_id, scope.user_id)
        else:
            data = await http.start_thread_with_message(
                channel_id, int(root.message_id), name=name, auto_archive_duration=THREAD_ARCHIVE_MINUTES
            )
            thread_id = int(data["id"])
        if ours and scope is not None:
            scope.thread_id = thread_id
        self.threads.remember(thread_id, channel_id)
        return ThreadRef(root.channel, str(thread_id))

    async def edit(self, ref: MessageRef, message: OutMessage) -> None:
        target = self._messageable(ref.thread or ref.channel)
        part = render_one(message)
        kwargs: dict[str, Any] = {"content": part.content or None, "embeds": part.embeds}
        if part.view is not None:
            kwargs["view"] = part.view
        await target.get_partial_message(int(ref.message_id)).edit(**kwargs)

    async def react(self, ref: MessageRef, emoji: str) -> None:
        shown = discord_emoji(emoji)
        if shown is None:
            log.info("no Discord emoji for %r; reaction skipped", emoji)
            return
        target = self._messageable(ref.thread or ref.channel)
        await target.get_partial_message(int(ref.message_id)).add_reaction(shown)


def nonce(key: str) -> str:
    """A Discord nonce (at most 25 characters) that is the same for the same outbox key."""
    return hashlib.sha256(key.encode()).hexdigest()[:25]
