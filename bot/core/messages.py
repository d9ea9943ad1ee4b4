"""The neutral message model every adapter renders.

``OutMessage.text`` is always present (notifications, console, fallbacks); ``blocks`` is a
small neutral set each adapter renders to its own idiom.  What a platform cannot show
degrades to text: rendering never raises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from bot.core.errors import UserError
from bot.core.refs import ChannelRef, MessageRef, Platform, ThreadRef, UserRef


@dataclass(frozen=True, slots=True)
class SectionBlock:
    text: str


@dataclass(frozen=True, slots=True)
class FieldsBlock:
    fields: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Button:
    action: str
    """Neutral action id, e.g. ``interview.next``; adapters round-trip it unchanged."""
    label: str
    value: str = ""
    style: Literal["default", "primary", "danger"] = "default"


@dataclass(frozen=True, slots=True)
class ButtonsBlock:
    buttons: tuple[Button, ...]


@dataclass(frozen=True, slots=True)
class DividerBlock:
    pass


@dataclass(frozen=True, slots=True)
class ContextBlock:
    text: str


Block = SectionBlock | FieldsBlock | ButtonsBlock | DividerBlock | ContextBlock


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a message (a chart). ``fallback`` carries the same facts as text, sent
    instead wherever the file cannot go (no file permission, an upload refused, nothing drawn)."""

    filename: str
    data: bytes
    alt: str
    """Alt text: what the picture shows, in a sentence or two."""
    fallback: str
    mime: str = "image/png"


@dataclass(frozen=True, slots=True)
class OutMessage:
    text: str
    blocks: tuple[Block, ...] = ()
    title: str = ""
    """Optional heading (embeds and Block Kit headers use it; text already contains it)."""
    ephemeral: bool = False
    """Shown only to the person who asked, where the platform can."""
    key: str = ""
    """The outbox key of the effect this message is (empty: none). Adapters that can carry it do
    (Slack: message metadata; Discord: an enforced nonce), so a repeat can be recognised."""

    files: tuple[Attachment, ...] = ()
    """Sent with the text where the platform takes files; else each one's ``fallback`` is added to it."""

    def buttons(self) -> tuple[Button, ...]:
        return tuple(b for block in self.blocks if isinstance(block, ButtonsBlock) for b in block.buttons)

    def text_only(self) -> OutMessage:
        """This message without its files: their text fallbacks follow the text (same facts)."""
        if not self.files:
            return self
        extra = "\n\n".join(f.fallback for f in self.files if f.fallback)
        text = f"{self.text}\n\n{extra}" if extra else self.text
        return OutMessage(text=text, blocks=(*self.blocks, *(SectionBlock(f.fallback) for f in self.files
                                                              if f.fallback)),
                          title=self.title, ephemeral=self.ephemeral, key=self.key)


@dataclass(frozen=True, slots=True)
class InMessage:
    """A message someone wrote; ``ref.thread`` is filled in by the adapter."""

    ref: MessageRef
    author: UserRef
    text: str
    event_key: str
    """Idempotency key: the same platform event always gives the same key."""
    sent_at: datetime
    author_is_bot: bool = False
    author_timezone: str | None = None


@dataclass(frozen=True, slots=True)
class CommandContext:
    """Who asked, where, and what the platform says they may do."""

    channel: ChannelRef
    user: UserRef
    can_manage: bool = False
    user_timezone: str | None = None
    thread: ThreadRef | None = None
    user_is_bot: bool = False
    """A bot account (the platform says so): the router refuses its commands."""
    event_key: str = ""
    """The platform's identity for this command (empty: none): what it posts carries keys made
    from it, so a command applied again after a crash finds what it had posted."""


@dataclass(frozen=True, slots=True)
class Action:
    """A button click, back from any platform."""

    action: str
    value: str
    user: UserRef
    message: MessageRef
    event_key: str
    user_is_bot: bool = False
    """A bot account (the platform says so): the router refuses its clicks."""


def button_number(value: str) -> int:
    """A number a button carries (an interview, a prompt, a phase): a damaged one is the person's to retry."""
    try:
        return int(value)
    except ValueError:
        raise UserError("That button's data is damaged; try the command again.") from None


@dataclass(frozen=True, slots=True)
class Capabilities:
    threads: bool = True
    buttons: bool = True
    edits: bool = True
    reactions: bool = True
    ephemeral: bool = True
    max_text: int = 3000
    files: bool = True
    """Files (charts) can be sent; otherwise messages go as ``OutMessage.text_only()``."""
    dm_threads: bool = True
    """A thread can be opened on a direct message (Slack, the console): personal threads (drills) go
    there. Where not (Discord), they open in the channel, private to the member where allowed."""
    thread_is_root: bool = False
    """A thread is named by its root message, so ``start_thread`` makes no call and cannot fail
    (Slack): the dispatcher then records a posted root and its thread in one write."""


@dataclass(frozen=True, slots=True)
class Reply:
    """What the core answers a command with: one or more messages for the asker's context."""

    messages: tuple[OutMessage, ...] = field(default_factory=tuple)

    @classmethod
    def one(cls, message: OutMessage) -> Reply:
        return cls((message,))


def split_text(text: str, limit: int) -> list[str]:
    """Split ``text`` into chunks of at most ``limit`` characters, preferring line breaks.

    Decided once here so every adapter sends long text in order in the same place.
    """
    if limit <= 0:
        raise ValueError("limit must be positive")
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = rest.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest:
        chunks.append(rest)
    return chunks


__all__ = [
    "Action",
    "Attachment",
    "Block",
    "Button",
    "ButtonsBlock",
    "Capabilities",
    "ContextBlock",
    "DividerBlock",
    "FieldsBlock",
    "InMessage",
    "OutMessage",
    "Platform",
    "Reply",
    "SectionBlock",
    "split_text",
]
