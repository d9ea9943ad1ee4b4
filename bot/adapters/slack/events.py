"""Slack payloads -> the core's neutral identities (pure functions, no I/O).

Keys are stable per Slack message (``slack:{team}:{channel}:{ts}``), so a redelivered
event, an edit and a deletion of the same message all reach the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.adapters.slack.payloads import InnerMessage, MessagePayload, read
from bot.core.refs import ChannelRef, MessageRef, ThreadRef

ANSWER_SUBTYPES = frozenset({None, "thread_broadcast", "file_share"})
"""Message subtypes a person writes (a reply also sent to the channel, one with a file)."""


def channel_ref(team_id: str, channel_id: str) -> ChannelRef:
    return ChannelRef("slack", channel_id, team_id)


def message_key(team_id: str, channel_id: str, ts: str) -> str:
    return f"slack:{team_id}:{channel_id}:{ts}"


def action_key(team_id: str, user_id: str, action_ts: str) -> str:
    return f"slack:{team_id}:action:{user_id}:{action_ts}"


def ts_datetime(ts: str) -> datetime:
    """A Slack ts (``"1712345678.000200"``, already a ``SlackTs``) as an aware UTC datetime."""
    return datetime.fromtimestamp(float(ts), tz=UTC)


def message_ref(channel: ChannelRef, ts: str, thread_ts: str | None) -> MessageRef:
    """A thread reply's ref carries its thread; a root message (even one with replies) does not."""
    thread = ThreadRef(channel, thread_ts) if thread_ts and thread_ts != ts else None
    return MessageRef(channel, ts, thread)


def thread_key(team_id: str, channel_id: str, thread_ts: str | None) -> str:
    """The order key for work in one thread (or one channel, outside threads)."""
    return f"thread:{team_id}:{channel_id}:{thread_ts or ''}"


def unescape(text: str) -> str:
    """Slack sends ``&``, ``<`` and ``>`` typed by people as entities; answers keep what was typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def team_of(body: dict[str, Any]) -> str:
    """The workspace the app is installed in, whatever the payload's shape."""
    team = body.get("team_id") or body.get("team")
    if isinstance(team, dict):
        team = team.get("id")
    if not team:
        user = body.get("user")
        team = user.get("team_id") if isinstance(user, dict) else None
    return str(team or "")


@dataclass(frozen=True, slots=True)
class PostedMessage:
    """Someone wrote a message (maybe in a thread)."""

    ref: MessageRef
    user_id: str
    text: str
    is_bot: bool
    event_key: str
    order_key: str


@dataclass(frozen=True, slots=True)
class EditedMessage:
    event_key: str
    text: str
    order_key: str


@dataclass(frozen=True, slots=True)
class DeletedMessage:
    event_key: str
    order_key: str


MessageEvent = PostedMessage | EditedMessage | DeletedMessage


def parse_message_event(team_id: str, event: dict[str, Any]) -> MessageEvent | None:
    """What a ``message`` event means for the core, or ``None`` when it means nothing.

    Raises ``BadPayload`` when a field the bot reads is not what Slack sends (a ``ts`` that is
    not a Slack timestamp, an id with separators, a text that is not a string)."""
    message = read(MessagePayload, event)
    channel_id = message.channel
    if not channel_id:
        return None
    if message.subtype == "message_changed":
        new = message.message or _NO_MESSAGE
        old = message.previous_message or _NO_MESSAGE
        if not new.ts or new.bot_id or new.subtype == "bot_message":
            return None
        if new.text == old.text:
            return None  # unfurls and reply counts change a message without an edit
        return EditedMessage(message_key(team_id, channel_id, new.ts), unescape(new.text or ""),
                             thread_key(team_id, channel_id, new.thread_ts))
    if message.subtype == "message_deleted":
        old = message.previous_message or _NO_MESSAGE
        ts = message.deleted_ts or old.ts
        if not ts:
            return None
        return DeletedMessage(message_key(team_id, channel_id, ts), thread_key(team_id, channel_id, old.thread_ts))
    if message.subtype not in ANSWER_SUBTYPES and message.subtype != "bot_message":
        return None  # joins, topic changes, pins...
    ts = message.ts
    user_id = message.user or message.bot_id
    if not ts or not user_id:
        return None
    channel = channel_ref(team_id, channel_id)
    ref = message_ref(channel, ts, message.thread_ts)
    return PostedMessage(
        ref=ref,
        user_id=user_id,
        text=unescape(message.text or ""),
        is_bot=bool(message.bot_id) or message.subtype == "bot_message",
        event_key=message_key(team_id, channel_id, ts),
        order_key=thread_key(team_id, channel_id, ref.thread.thread_id if ref.thread else None),
    )


_NO_MESSAGE = InnerMessage()
