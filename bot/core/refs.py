"""Identity types for places and people in chat, frozen and serialisable.

A thread is part of a message's identity (``MessageRef.thread``), never a field
buried in a raw platform event: replies inside a thread stay inside it because
the reference says so.  ``parse_*(ref.serialise()) == ref`` for every type.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

Platform = Literal["console", "slack", "discord"]
PLATFORMS: tuple[Platform, ...] = ("console", "slack", "discord")


def _platform(value: Any) -> Platform:
    if value not in PLATFORMS:
        raise ValueError(f"unknown platform {value!r}")
    platform: Platform = value
    return platform


@dataclass(frozen=True, slots=True)
class ChannelRef:
    platform: Platform
    channel_id: str
    workspace: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"platform": self.platform, "channel": self.channel_id, "workspace": self.workspace}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChannelRef:
        return cls(_platform(data["platform"]), str(data["channel"]), str(data.get("workspace", "")))

    def serialise(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def parse(cls, text: str) -> ChannelRef:
        return cls.from_dict(json.loads(text))


@dataclass(frozen=True, slots=True)
class ThreadRef:
    """Slack: the root message ts; Discord: the thread's channel id; console: a made-up id."""

    channel: ChannelRef
    thread_id: str

    def to_dict(self) -> dict[str, Any]:
        return {"channel": self.channel.to_dict(), "thread": self.thread_id}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ThreadRef:
        return cls(ChannelRef.from_dict(data["channel"]), str(data["thread"]))

    def serialise(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def parse(cls, text: str) -> ThreadRef:
        return cls.from_dict(json.loads(text))


@dataclass(frozen=True, slots=True)
class MessageRef:
    channel: ChannelRef
    message_id: str
    thread: ThreadRef | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel.to_dict(),
            "message": self.message_id,
            "thread": self.thread.to_dict() if self.thread else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MessageRef:
        thread = ThreadRef.from_dict(data["thread"]) if data.get("thread") else None
        return cls(ChannelRef.from_dict(data["channel"]), str(data["message"]), thread)

    def serialise(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def parse(cls, text: str) -> MessageRef:
        return cls.from_dict(json.loads(text))


@dataclass(frozen=True, slots=True)
class UserRef:
    platform: Platform
    user_id: str
    workspace: str = ""
    display_name: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "user": self.user_id,
            "workspace": self.workspace,
            "name": self.display_name,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> UserRef:
        return cls(
            _platform(data["platform"]),
            str(data["user"]),
            str(data.get("workspace", "")),
            str(data.get("name", "")),
        )

    def serialise(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def parse(cls, text: str) -> UserRef:
        return cls.from_dict(json.loads(text))

    @property
    def mention(self) -> str:
        return self.display_name or self.user_id


Target = ChannelRef | ThreadRef
"""Where a message goes: a channel, or a thread inside one."""


def serialise_target(target: Target) -> str:
    kind = "thread" if isinstance(target, ThreadRef) else "channel"
    return json.dumps({"kind": kind, "ref": target.to_dict()}, sort_keys=True, separators=(",", ":"))


def parse_target(text: str) -> Target:
    data = json.loads(text)
    if data["kind"] == "thread":
        return ThreadRef.from_dict(data["ref"])
    return ChannelRef.from_dict(data["ref"])


def channel_of(target: Target) -> ChannelRef:
    return target.channel if isinstance(target, ThreadRef) else target


def same_person(a: UserRef, b: UserRef) -> bool:
    """The same account (display names may differ between events)."""
    return (a.platform, a.user_id, a.workspace) == (b.platform, b.user_id, b.workspace)
