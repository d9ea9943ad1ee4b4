"""Message events: thread replies are answers or steering words; edits and deletions follow them.

Events are acked by bolt before this runs (auto-ack). Only messages inside a thread
reach the core; the rest of a busy channel costs a parse and nothing else.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.adapters.slack.events import (
    DeletedMessage,
    EditedMessage,
    PostedMessage,
    parse_message_event,
    ts_datetime,
)
from bot.adapters.slack.listeners._common import SlackDeps, core_call, no_reply, shown
from bot.adapters.slack.payloads import BadPayload, EventCallback, read
from bot.core.messages import InMessage
from bot.core.refs import UserRef
from bot.core.service import PracticeService

log = logging.getLogger(__name__)


def register(app: AsyncApp, service: PracticeService, deps: SlackDeps) -> None:
    @app.event("message")
    async def on_message(body: dict[str, Any], event: dict[str, Any], request: AsyncBoltRequest) -> None:
        try:
            team = read(EventCallback, body).team_id
            parsed = parse_message_event(team, event)
        except BadPayload as exc:
            log.warning("Slack event %s ignored: %s", shown(body.get("event_id")), exc.reason)
            return
        if parsed is None or (isinstance(parsed, PostedMessage) and parsed.ref.thread is None):
            return
        if retry := request.headers.get("x-slack-retry-num"):
            log.debug("Slack redelivered %s (retry %s); its key records it once", parsed.event_key, retry[0])

        async def run() -> None:
            if isinstance(parsed, PostedMessage):
                await _posted(service, deps, team, parsed)
            elif isinstance(parsed, EditedMessage):
                await core_call(no_reply(service.handle_edit(parsed.event_key, parsed.text)), what="slack edit")
            elif isinstance(parsed, DeletedMessage):
                await core_call(no_reply(service.handle_delete(parsed.event_key)), what="slack delete")

        deps.workers.submit(parsed.order_key, run, what=f"message {parsed.event_key}")


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
