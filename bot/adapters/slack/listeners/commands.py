"""``/practice ...``: written to the inbox, then acked with an empty body; run after the ack.

The ack means "durably received": if the database refuses the write, the ack says so instead (Slack
never redelivers a slash command, so the person is asked to try again).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.adapters.slack.events import channel_ref
from bot.adapters.slack.listeners._common import SlackDeps, core_call, send_reply, shown, stored, taken
from bot.adapters.slack.payloads import BadPayload, SlashCommand, read
from bot.core.inbox import InboundItem, InboxRecord
from bot.core.messages import CommandContext
from bot.core.service import PracticeService

log = logging.getLogger(__name__)

COMMAND = "/practice"
KIND = "slack.command"


def register(app: AsyncApp, service: PracticeService, deps: SlackDeps) -> None:
    async def apply(record: InboxRecord) -> None:
        await _run(service, deps, read(SlashCommand, record.item.payload), record.item.key)

    deps.inbox.register(KIND, apply)

    @app.command(COMMAND)
    async def practice(ack: AsyncAck, body: dict[str, Any]) -> None:
        try:
            command = read(SlashCommand, body)
        except BadPayload as exc:
            await ack()
            log.warning("Slack command %s ignored: %s", shown(body.get("trigger_id")), exc.reason)
            return
        team, user_id = command.team_id, command.user_id
        trigger = command.trigger_id or uuid.uuid4().hex  # Slack never redelivers a command
        item = InboundItem("slack", f"slack:{team}:command:{trigger}", KIND, f"user:{team}:{user_id}",
                           stored(body), workspace=team, member=user_id)
        await taken(deps, item, ack)


async def _run(service: PracticeService, deps: SlackDeps, command: SlashCommand, key: str) -> None:
    team, user_id = command.team_id, command.user_id
    author, user = await deps.users.user_ref(team, user_id, fallback_name=command.user_name)
    ctx = CommandContext(
        channel=channel_ref(team, command.channel_id),
        user=author,
        can_manage=deps.users.can_manage(user_id, user),
        user_timezone=user.timezone if user else None,
        user_is_bot=bool(user and user.is_bot),
        event_key=key,
    )
    reply = await core_call(service.handle_command(ctx, command.text), what="slack /practice")
    await send_reply(deps, command.response_url, reply, user_id=user_id, channel_id=command.channel_id,
                     team_id=team)
