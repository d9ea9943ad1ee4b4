"""The core's ``Chat`` port on the Slack Web API.

A thread is its root message's ts, so ``start_thread`` makes no API call and a post
into a ``ThreadRef`` is ``chat.postMessage`` with ``thread_ts``. Posts and edits are
paced per channel and wait out any 429 another call has already been told about.
"""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.installs import WorkspaceClients
from bot.adapters.slack.pacing import ChannelPacer, RateLimitGate
from bot.adapters.slack.render import emoji_name, render
from bot.core.messages import Capabilities, OutMessage
from bot.core.refs import ChannelRef, MessageRef, Platform, Target, ThreadRef, UserRef

log = logging.getLogger(__name__)

IGNORED_REACTION_ERRORS = frozenset({"already_reacted"})
OUTBOX_EVENT = "practice_bot_outbox"
"""Message metadata event type: the payload's ``key`` is the outbox key the post delivered."""
LOOKUP_PAGES = 5
"""At most this many pages of history (200 messages each) are read to find an earlier attempt."""
LOOKUP_SLACK_SECONDS = 60
"""Look this much before the row was made too: clocks differ between hosts."""


class SlackChat:
    platform: Platform = "slack"
    capabilities = Capabilities(threads=True, buttons=True, edits=True, reactions=True, ephemeral=True,
                                max_text=3000, thread_is_root=True)

    def __init__(self, client: AsyncWebClient, *, pacer: ChannelPacer, gate: RateLimitGate,
                 clients: WorkspaceClients | None = None) -> None:
        self.client = client
        self.pacer = pacer
        self.gate = gate
        self.clients = clients
        """Installs in many workspaces: each call goes out with its workspace's bot token."""

    async def _client(self, channel: ChannelRef) -> AsyncWebClient:
        if self.clients is None:
            return self.client
        return await self.clients.for_team(channel.workspace)

    async def send(self, where: Target, message: OutMessage) -> MessageRef:
        channel = where.channel if isinstance(where, ThreadRef) else where
        thread = where if isinstance(where, ThreadRef) else None
        rendered = render(message)
        client = await self._client(channel)
        await self._turn("chat.postMessage", channel.channel_id)
        metadata = {"event_type": OUTBOX_EVENT, "event_payload": {"key": message.key}} if message.key else None
        response = await client.chat_postMessage(
            channel=channel.channel_id,
            text=rendered.text,
            blocks=rendered.blocks or None,
            thread_ts=thread.thread_id if thread else None,
            unfurl_links=False,
            unfurl_media=False,
            metadata=metadata,
        )
        self.gate.succeeded("chat.postMessage")
        ts = response.get("ts")
        if not isinstance(ts, str):
            raise RuntimeError(f"chat.postMessage answered without a ts: {response.data!r}"[:300])
        return MessageRef(channel, ts, thread)

    async def send_private(self, to: UserRef, near: Target, message: OutMessage) -> MessageRef:
        """A direct message from the bot: ``chat.postMessage`` to the user's id opens (or reuses) the
        app's conversation with them, and answers with its channel (needs no scope beyond chat:write)."""
        rendered = render(message)
        client = await self._client(near.channel if isinstance(near, ThreadRef) else near)
        await self._turn("chat.postMessage", to.user_id)
        metadata = {"event_type": OUTBOX_EVENT, "event_payload": {"key": message.key}} if message.key else None
        response = await client.chat_postMessage(
            channel=to.user_id, text=rendered.text, blocks=rendered.blocks or None, unfurl_links=False,
            unfurl_media=False, metadata=metadata,
        )
        self.gate.succeeded("chat.postMessage")
        ts, channel_id = response.get("ts"), response.get("channel")
        if not isinstance(ts, str) or not isinstance(channel_id, str):
            raise RuntimeError(f"chat.postMessage answered without a ts or channel: {response.data!r}"[:300])
        workspace = near.channel.workspace if isinstance(near, ThreadRef) else near.workspace
        return MessageRef(ChannelRef("slack", channel_id, workspace), ts)

    async def _turn(self, method: str, channel_id: str) -> None:
        """The channel's slot first (one per second), then the workspace's (pause, pace)."""
        await self.pacer.wait(channel_id)
        await self.gate.wait(method)
        self.pacer.sent(channel_id)

    async def find_sent(self, where: Target, key: str, *, since: datetime) -> MessageRef | None:
        """Look in the thread (or channel) history for a post of ours whose metadata names ``key``."""
        channel = where.channel if isinstance(where, ThreadRef) else where
        thread = where if isinstance(where, ThreadRef) else None
        method = "conversations.replies" if thread else "conversations.history"
        oldest = f"{since.timestamp() - LOOKUP_SLACK_SECONDS:.6f}"
        client = await self._client(channel)
        cursor: str | None = None
        for _ in range(LOOKUP_PAGES):
            await self.gate.wait(method)
            if thread is not None:
                response = await client.conversations_replies(
                    channel=channel.channel_id, ts=thread.thread_id, oldest=oldest, include_all_metadata=True,
                    limit=200, cursor=cursor)
            else:
                response = await client.conversations_history(
                    channel=channel.channel_id, oldest=oldest, include_all_metadata=True, limit=200, cursor=cursor)
            self.gate.succeeded(method)
            for posted in response.get("messages") or []:
                metadata = posted.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                ts = posted.get("ts")
                if metadata.get("event_type") == OUTBOX_EVENT and payload.get("key") == key and isinstance(ts, str):
                    return MessageRef(channel, ts, thread)
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None:
                return None
        log.warning("no post with key %s in the last %d pages of %s; posting it again", key, LOOKUP_PAGES,
                    channel.channel_id)
        return None

    async def start_thread(self, root: MessageRef, title: str) -> ThreadRef:
        # Slack threads need no call: replying with thread_ts=root.ts opens one. Slack has no
        # nested threads, so a root that is itself a reply continues its own thread.
        return root.thread or ThreadRef(root.channel, root.message_id)

    async def edit(self, ref: MessageRef, message: OutMessage) -> None:
        rendered = render(message)
        client = await self._client(ref.channel)
        await self._turn("chat.update", ref.channel.channel_id)
        await client.chat_update(
            channel=ref.channel.channel_id, ts=ref.message_id, text=rendered.text, blocks=rendered.blocks
        )
        self.gate.succeeded("chat.update")

    async def react(self, ref: MessageRef, emoji: str) -> None:
        client = await self._client(ref.channel)
        await self.gate.wait("reactions.add")
        try:
            await client.reactions_add(channel=ref.channel.channel_id, timestamp=ref.message_id,
                                            name=emoji_name(emoji))
            self.gate.succeeded("reactions.add")
        except SlackApiError as exc:
            if exc.response.get("error") not in IGNORED_REACTION_ERRORS:
                raise
            log.debug("reaction %s already on %s", emoji, ref.message_id)
