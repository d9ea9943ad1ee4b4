"""The chat registry: one ``Chat`` per platform, attached by the adapters that run."""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.ports import Chat
from bot.core.refs import Platform


class Chats:
    """Where each platform's messages go. Adapters ``attach`` their ``Chat`` at start-up; the
    capabilities and the outbox dispatcher look it up by the platform of the place they post to."""

    def __init__(self) -> None:
        self._by_platform: dict[Platform, Chat] = {}

    def attach(self, chat: Chat) -> None:
        self._by_platform[chat.platform] = chat

    def get(self, platform: Platform) -> Chat | None:
        return self._by_platform.get(platform)

    def chat_for(self, platform: Platform) -> Chat:
        """The platform's chat; a platform with no running adapter is a bug in the caller."""
        chat = self._by_platform.get(platform)
        if chat is None:
            raise RuntimeError(f"no chat adapter attached for {platform}")
        return chat

    def __iter__(self) -> Iterator[Platform]:
        return iter(self._by_platform)

    def __contains__(self, platform: object) -> bool:
        return platform in self._by_platform
