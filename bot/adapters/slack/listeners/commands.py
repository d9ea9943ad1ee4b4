"""``/practice ...``: ack at once with an empty body, then run the command after the ack."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.adapters.slack.events import channel_ref, team_of
from bot.adapters.slack.listeners._common import SlackDeps, core_call, send_reply
from bot.core.messages import CommandContext
from bot.core.service import PracticeService

COMMAND = "/practice"


def register(app: AsyncApp, service: PracticeService, deps: SlackDeps) -> None:
    @app.command(COMMAND)
    async def practice(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        team = team_of(body)
        user_id = str(body.get("user_id", ""))

        async def run() -> None:
            author, user = await deps.users.user_ref(team, user_id, fallback_name=str(body.get("user_name", "")))
            ctx = CommandContext(
                channel=channel_ref(team, str(body.get("channel_id", ""))),
                user=author,
                can_manage=deps.users.can_manage(user_id, user),
                user_timezone=user.timezone if user else None,
                user_is_bot=bool(user and user.is_bot),
            )
            reply = await core_call(service.handle_command(ctx, str(body.get("text", ""))), what="slack /practice")
            await send_reply(deps, str(body.get("response_url", "")), reply)

        deps.workers.submit(f"user:{team}:{user_id}", run, what=COMMAND)
