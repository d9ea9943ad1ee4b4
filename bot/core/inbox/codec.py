"""The neutral inbound items as plain JSON, for adapters whose platform payload cannot be kept as
it came (a Discord interaction, a console line): written to the inbox, read back to apply after a
restart."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.messages import Action, CommandContext, InMessage
from bot.core.refs import ChannelRef, MessageRef, ThreadRef, UserRef


def command_payload(ctx: CommandContext, text: str) -> dict[str, Any]:
    return {
        "channel": ctx.channel.serialise(), "user": ctx.user.serialise(), "can_manage": ctx.can_manage,
        "timezone": ctx.user_timezone, "thread": ctx.thread.serialise() if ctx.thread else None,
        "bot": ctx.user_is_bot, "key": ctx.event_key, "text": text,
    }


def command_of(payload: dict[str, Any]) -> tuple[CommandContext, str]:
    thread = payload.get("thread")
    ctx = CommandContext(
        channel=ChannelRef.parse(payload["channel"]), user=UserRef.parse(payload["user"]),
        can_manage=bool(payload.get("can_manage")), user_timezone=payload.get("timezone"),
        thread=ThreadRef.parse(thread) if thread else None, user_is_bot=bool(payload.get("bot")),
        event_key=str(payload.get("key", "")),
    )
    return ctx, str(payload["text"])


def message_payload(message: InMessage) -> dict[str, Any]:
    return {
        "ref": message.ref.serialise(), "author": message.author.serialise(), "text": message.text,
        "key": message.event_key, "sent_at": message.sent_at.isoformat(), "bot": message.author_is_bot,
        "timezone": message.author_timezone,
    }


def message_of(payload: dict[str, Any]) -> InMessage:
    return InMessage(
        ref=MessageRef.parse(payload["ref"]), author=UserRef.parse(payload["author"]), text=str(payload["text"]),
        event_key=str(payload["key"]), sent_at=datetime.fromisoformat(payload["sent_at"]),
        author_is_bot=bool(payload.get("bot")), author_timezone=payload.get("timezone"),
    )


def action_payload(action: Action) -> dict[str, Any]:
    return {
        "action": action.action, "value": action.value, "user": action.user.serialise(),
        "message": action.message.serialise(), "key": action.event_key, "bot": action.user_is_bot,
    }


def action_of(payload: dict[str, Any]) -> Action:
    return Action(
        action=str(payload["action"]), value=str(payload["value"]), user=UserRef.parse(payload["user"]),
        message=MessageRef.parse(payload["message"]), event_key=str(payload["key"]),
        user_is_bot=bool(payload.get("bot")),
    )
