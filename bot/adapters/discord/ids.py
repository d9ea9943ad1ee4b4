"""Discord ids as the core's neutral refs, and the stable keys of inbound events.

Discord: ``workspace`` is the guild id, a thread is its own channel (``ThreadRef.thread_id`` is the
thread channel's id) and ``ChannelRef`` is always the parent text channel, so the same conversation
has the same refs whether it is seen from a message, a button or a scheduled post.
"""

from __future__ import annotations

import discord

from bot.core.normalise import display_name
from bot.core.refs import ChannelRef, MessageRef, ThreadRef, UserRef


def channel_ref(guild_id: int, channel_id: int) -> ChannelRef:
    return ChannelRef("discord", str(channel_id), str(guild_id))


def thread_ref(guild_id: int, parent_id: int, thread_id: int) -> ThreadRef:
    return ThreadRef(channel_ref(guild_id, parent_id), str(thread_id))


def message_ref(guild_id: int, parent_id: int, message_id: int, thread_id: int | None) -> MessageRef:
    channel = channel_ref(guild_id, parent_id)
    thread = ThreadRef(channel, str(thread_id)) if thread_id is not None else None
    return MessageRef(channel, str(message_id), thread)


def user_ref(user: discord.abc.User, guild_id: int) -> UserRef:
    return UserRef("discord", str(user.id), str(guild_id), display_name(user.display_name))


def message_event_key(guild_id: int | None, channel_id: int, message_id: int) -> str:
    """One key per message, the same on create, edit, delete and gateway replays.

    ``channel_id`` is the channel the message lives in (the thread's id for thread messages),
    which is what create, update and delete events all carry.
    """
    return f"discord:{guild_id or 0}:{channel_id}:{message_id}"


def interaction_event_key(interaction_id: int) -> str:
    return f"discord:interaction:{interaction_id}"


def posted_channel_id(where: ChannelRef | ThreadRef) -> int:
    """The Discord channel a message to ``where`` is posted in (a thread is a channel)."""
    return int(where.thread_id if isinstance(where, ThreadRef) else where.channel_id)


def snowflake(value: str) -> int | None:
    """An id from a ref, or ``None`` when it is not a Discord snowflake (e.g. made by another adapter)."""
    return int(value) if value.isascii() and value.isdigit() and len(value) < 21 else None
