"""The App Home: ``app_home_opened`` publishes the member's home; its two buttons start a drill or
send the stats picture, both to the member's direct messages with the bot (a view has no channel
and no response URL to answer through)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.adapters.slack.events import channel_ref
from bot.adapters.slack.files import direct_channel, upload
from bot.adapters.slack.listeners._common import SlackDeps, core_call, shown
from bot.adapters.slack.payloads import AppHomeOpened, BadPayload, BlockActions, EventCallback, read
from bot.adapters.slack.render import render
from bot.core.messages import CommandContext
from bot.core.progress import HOME_DRILL, HOME_STATS
from bot.core.service import PracticeService

log = logging.getLogger(__name__)

HOME_COMMANDS = {HOME_DRILL: "drill", HOME_STATS: "stats"}


def register(app: AsyncApp, service: PracticeService, deps: SlackDeps) -> None:
    @app.event("app_home_opened")
    async def on_home_opened(body: dict[str, Any], event: dict[str, Any]) -> None:
        try:
            team = read(EventCallback, body).team_id
            opened = read(AppHomeOpened, event)
        except BadPayload as exc:
            log.warning("Slack event %s ignored: %s", shown(body.get("event_id")), exc.reason)
            return
        home = deps.home
        if opened.tab != "home" or home is None:
            return

        async def run() -> None:
            member, _ = await deps.users.user_ref(team, opened.user)
            await home.publish(member)

        deps.workers.submit(f"home:{team}:{opened.user}", run, what="app_home_opened")

    async def on_home_button(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        try:
            click = read(BlockActions, body)
        except BadPayload as exc:
            log.warning("Slack click %s ignored: %s", shown(body.get("trigger_id")), exc.reason)
            return
        team, user_id = click.team_id, click.user.id
        command = HOME_COMMANDS[click.actions[0].action_id]
        client = deps.client
        if client is None:
            return

        async def run() -> None:
            author, user = await deps.users.user_ref(team, user_id, fallback_name=click.user.username)
            try:
                dm = await direct_channel(client, user_id)
            except (SlackApiError, SlackRequestError, KeyError) as exc:
                log.warning("Slack would not open a direct message for an App Home button: %s", exc)
                return
            ctx = CommandContext(channel=channel_ref(team, dm), user=author,
                                 user_timezone=user.timezone if user else None, user_is_bot=bool(user and user.is_bot))
            reply = await core_call(service.handle_command(ctx, command), what=f"slack app home {command}")
            for message in reply.messages:
                if message.files and await upload(client, message, user_id=user_id, channel_id=dm) is not None:
                    continue
                rendered = render(message.text_only())
                try:
                    await client.chat_postMessage(channel=dm, text=rendered.text, blocks=rendered.blocks or None)
                except (SlackApiError, SlackRequestError) as exc:
                    log.warning("Slack would not take an App Home reply: %s", exc)

        deps.workers.submit(f"user:{team}:{user_id}", run, what=f"app home {command}")

    for action_id in HOME_COMMANDS:
        app.action(action_id)(on_home_button)
