"""Message events: thread replies are answers or steering words; edits and deletions follow them.

A thread message is written to the inbox before Slack hears the ack: the listener's middleware
does it, because bolt acks an event before its listener runs. If the database refuses the write,
the middleware answers 500 and Slack delivers the event again. Only messages inside a thread reach
the core; the rest of a busy channel costs a parse and nothing else.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.adapters.slack.events import (
    DeletedMessage,
    EditedMessage,
    MessageEvent,
    PostedMessage,
    parse_message_event,
    ts_datetime,
)
from bot.adapters.slack.listeners._common import SlackDeps, core_call, event_item, no_reply, on_event_durably, shown
from bot.adapters.slack.payloads import BadPayload, EventCallback, read
from bot.core.inbox import InboundItem, InboxRecord
from bot.core.messages import InMessage
from bot.core.refs import UserRef
from bot.core.service import PracticeService

log = logging.getLogger(__name__)

KIND = "slack.message"


def _parsed(body: dict[str, Any]) -> tuple[str, MessageEvent] | None:
    """The workspace and what the event means for the core; ``None`` when it means nothing."""
    try:
        team = read(EventCallback, body).team_id
        parsed = parse_message_event(team, body.get("event") or {})
    except BadPayload as exc:
        log.warning("Slack event %s ignored: %s", shown(body.get("event_id")), exc.reason)
        return None
    if parsed is None or (isinstance(parsed, PostedMessage) and parsed.ref.thread is None):
        return None
    return team, parsed


def register(app: AsyncApp, service: PracticeService, deps: SlackDeps) -> None:
    async def apply(record: InboxRecord) -> None:
        found = _parsed(record.item.payload)
        if found is not None:
            await _run(service, deps, *found)

    deps.inbox.register(KIND, apply)

    def item(body: dict[str, Any]) -> InboundItem | None:
        found = _parsed(body)
        if found is None:
            return None
        team, parsed = found
        member = parsed.user_id if isinstance(parsed, PostedMessage) else ""
        return event_item(body, team=team, kind=KIND, order=parsed.order_key, member=member,
                          fallback_key=parsed.event_key)

    on_event_durably(app, deps, "message", item)


async def _run(service: PracticeService, deps: SlackDeps, team: str, parsed: MessageEvent) -> None:
    if isinstance(parsed, PostedMessage):
        await _posted(service, deps, team, parsed)
    elif isinstance(parsed, EditedMessage):
        await core_call(no_reply(service.handle_edit(parsed.event_key, parsed.text)), what="slack edit")
    elif isinstance(parsed, DeletedMessage):
        await core_call(no_reply(service.handle_delete(parsed.event_key)), what="slack delete")


async def _posted(service: PracticeService, deps: SlackDeps, team: str, message: PostedMessage) -> None:
    timezone: str | None = None
    if message.is_bot:
        author = UserRef("slack", message.user_id, team)  # the core ignores bots; no lookup needed
    else:
        author, user = await deps.users.user_ref(team, message.user_id)
        timezone = user.timezone if user else None
    inbound = InMessage(
        ref=message.ref,
        author=author,
        text=message.text,
        event_key=message.event_key,
        sent_at=ts_datetime(message.ref.message_id),
        author_is_bot=message.is_bot,
        author_timezone=timezone,
    )
    await core_call(no_reply(service.handle_message(inbound)), what="slack message")
