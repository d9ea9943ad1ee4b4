"""The App Home: ``app_home_opened`` publishes the member's home; its two buttons start a drill or
send the stats picture, both to the member's direct messages with the bot (a view has no channel
and no response URL to answer through)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.adapters.slack.events import action_key, channel_ref
from bot.adapters.slack.files import direct_channel, upload
from bot.adapters.slack.listeners._common import (
    SlackDeps,
    click_taken,
    core_call,
    event_item,
    on_event_durably,
    shown,
    stored,
)
from bot.adapters.slack.payloads import AppHomeOpened, BadPayload, BlockActions, EventCallback, read
from bot.adapters.slack.render import render
from bot.core.inbox import InboundItem, InboxRecord
from bot.core.messages import CommandContext
from bot.core.progress import HOME_DRILL, HOME_STATS
from bot.core.service import PracticeService

log = logging.getLogger(__name__)

HOME_COMMANDS = {HOME_DRILL: "drill", HOME_STATS: "stats"}


OPENED_KIND = "slack.home_opened"
BUTTON_KIND = "slack.home_button"


def _opened(body: dict[str, Any]) -> tuple[str, AppHomeOpened] | None:
    try:
        team = read(EventCallback, body).team_id
        opened = read(AppHomeOpened, body.get("event") or {})
    except BadPayload as exc:
        log.warning("Slack event %s ignored: %s", shown(body.get("event_id")), exc.reason)
        return None
    return (team, opened) if opened.tab == "home" else None


def register(app: AsyncApp, service: PracticeService, deps: SlackDeps) -> None:
    async def apply_opened(record: InboxRecord) -> None:
        found = _opened(record.item.payload)
        if found is not None and deps.home is not None:
            team, opened = found
            member, _ = await deps.users.user_ref(team, opened.user)
            await deps.home.publish(member)

    async def apply_button(record: InboxRecord) -> None:
        await _button(service, deps, read(BlockActions, record.item.payload))

    deps.inbox.register(OPENED_KIND, apply_opened)
    deps.inbox.register(BUTTON_KIND, apply_button)

    def opened_item(body: dict[str, Any]) -> InboundItem | None:
        found = _opened(body)
        if found is None or deps.home is None:
            return None
        team, opened = found
        return event_item(body, team=team, kind=OPENED_KIND, order=f"home:{team}:{opened.user}", member=opened.user)

    on_event_durably(app, deps, "app_home_opened", opened_item)

    def button_item(click: BlockActions, body: dict[str, Any]) -> InboundItem:
        team, user_id = click.team_id, click.user.id
        key = action_key(team, user_id, click.actions[0].action_ts or click.trigger_id or uuid.uuid4().hex)
        return InboundItem("slack", key, BUTTON_KIND, f"user:{team}:{user_id}", stored(body), workspace=team,
                           member=user_id)

    async def on_home_button(ack: AsyncAck, body: dict[str, Any]) -> None:
        await click_taken(deps, ack, body, button_item)

    for action_id in HOME_COMMANDS:
        app.action(action_id)(on_home_button)


async def _button(service: PracticeService, deps: SlackDeps, click: BlockActions) -> None:
    team, user_id = click.team_id, click.user.id
    command = HOME_COMMANDS.get(click.actions[0].action_id)
    client = await deps.client_for(team)
    if client is None or command is None:
        return
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
