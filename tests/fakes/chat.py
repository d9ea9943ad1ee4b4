"""The recording Chat: every send, thread, edit and reaction kept as (where, message)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.messages import Capabilities, OutMessage
from bot.core.refs import ChannelRef, MessageRef, Platform, Target, ThreadRef, UserRef


@dataclass
class Sent:
    where: Target
    message: OutMessage
    ref: MessageRef


@dataclass
class Private:
    to: UserRef
    near: Target
    message: OutMessage
    ref: MessageRef


@dataclass
class RecordingChat:
    """Keeps every (where, message) so threading is testable; can be told to fail."""

    platform: Platform = "console"
    capabilities: Capabilities = field(default_factory=lambda: Capabilities(max_text=3000))
    sent: list[Sent] = field(default_factory=list)
    reactions: list[tuple[MessageRef, str]] = field(default_factory=list)
    threads: list[ThreadRef] = field(default_factory=list)
    private: list[Private] = field(default_factory=list)
    """Messages only one person reads (``send_private``), kept apart from what the thread shows."""
    fail_next: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def send(self, where: Target, message: OutMessage) -> MessageRef:
        if self.fail_next:
            self.fail_next -= 1
            raise ConnectionError("chat platform unavailable")
        channel = where.channel if isinstance(where, ThreadRef) else where
        thread = where if isinstance(where, ThreadRef) else None
        ref = MessageRef(channel, f"m{next(self._ids)}", thread)
        self.sent.append(Sent(where, message, ref))
        return ref

    async def send_private(self, to: UserRef, near: Target, message: OutMessage) -> MessageRef:
        if self.fail_next:
            self.fail_next -= 1
            raise ConnectionError("chat platform unavailable")
        ref = MessageRef(ChannelRef(self.platform, f"dm-{to.user_id}"), f"m{next(self._ids)}")
        self.private.append(Private(to, near, message, ref))
        return ref

    def private_to(self, user: UserRef) -> list[OutMessage]:
        return [p.message for p in self.private if p.to.user_id == user.user_id]

    async def find_sent(self, where: Target, key: str, *, since: datetime) -> MessageRef | None:
        """As a platform that keeps history would: the post that carried ``key`` here, if any."""
        for sent in self.sent:
            if sent.where == where and sent.message.key == key:
                return sent.ref
        return None

    async def start_thread(self, root: MessageRef, title: str) -> ThreadRef:
        thread = ThreadRef(root.channel, f"thread-of-{root.message_id}")
        self.threads.append(thread)
        return thread

    async def edit(self, ref: MessageRef, message: OutMessage) -> None:
        self.sent.append(Sent(ref.thread or ref.channel, message, ref))

    async def react(self, ref: MessageRef, emoji: str) -> None:
        self.reactions.append((ref, emoji))

    def in_thread(self, thread: ThreadRef) -> list[str]:
        return [s.message.text for s in self.sent if s.where == thread]

    def in_channel(self, channel: ChannelRef) -> list[str]:
        return [s.message.text for s in self.sent if s.where == channel]
