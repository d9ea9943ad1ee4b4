"""``/practice ...``: ack at once with an empty body, then run the command after the ack."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.adapters.slack.events import channel_ref
from bot.adapters.slack.listeners._common import SlackDeps, core_call, send_reply, shown
from bot.adapters.slack.payloads import BadPayload, SlashCommand, read
from bot.core.messages import CommandContext
from bot.core.service import PracticeService

log = logging.getLogger(__name__)

COMMAND = "/practice"


def register(app: AsyncApp, service: PracticeService, deps: SlackDeps) -> None:
    @app.command(COMMAND)
    async def practice(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        try:
            command = read(SlashCommand, body)
        except BadPayload as exc:
            log.warning("Slack command %s ignored: %s", shown(body.get("trigger_id")), exc.reason)
            return
        team, user_id = command.team_id, command.user_id

        async def run() -> None:
            author, user = await deps.users.user_ref(team, user_id, fallback_name=command.user_name)
            ctx = CommandContext(
                channel=channel_ref(team, command.channel_id),
                user=author,
                can_manage=deps.users.can_manage(user_id, user),
                user_timezone=user.timezone if user else None,
                user_is_bot=bool(user and user.is_bot),
            )
            reply = await core_call(service.handle_command(ctx, command.text), what="slack /practice")
            await send_reply(deps, command.response_url, reply, user_id=user_id, channel_id=command.channel_id,
                             team_id=team)

        deps.workers.submit(f"user:{team}:{user_id}", run, what=COMMAND)
