"""Button clicks (Next section, Hint, End interview, Show checklist): into the inbox, ack, then the core.

Every action id is taken, not only today's four: a button from an older version of the bot is
acked in time and answered by the core ("no longer supported") instead of Slack's warning sign.
The core's reply is for the clicker only, sent through the click's ``response_url``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.adapters.slack.events import action_key, channel_ref, message_ref, thread_key
from bot.adapters.slack.listeners._common import SlackDeps, click_taken, core_call, send_reply, stored
from bot.adapters.slack.payloads import BlockActions, read
from bot.core.inbox import InboundItem, InboxRecord
from bot.core.messages import Action
from bot.core.service import PracticeService

log = logging.getLogger(__name__)

ANY_ACTION = re.compile(r".+")
KIND = "slack.action"


def register(app: AsyncApp, service: PracticeService, deps: SlackDeps) -> None:
    async def apply(record: InboxRecord) -> None:
        await _run(service, deps, read(BlockActions, record.item.payload))

    deps.inbox.register(KIND, apply)

    def item(click: BlockActions, body: dict[str, Any]) -> InboundItem:
        # Ordered with the messages of the same thread (a click on a prompt: the prompt's thread).
        order = thread_key(click.team_id, click.channel_id, click.thread_ts or click.message_ts)
        return InboundItem("slack", _key(click), KIND, order, stored(body), workspace=click.team_id,
                           member=click.user.id)

    async def on_button(ack: AsyncAck, body: dict[str, Any]) -> None:
        await click_taken(deps, ack, body, item)

    app.action(ANY_ACTION)(on_button)


def _key(click: BlockActions) -> str:
    return action_key(click.team_id, click.user.id, click.actions[0].action_ts or click.trigger_id)


async def _run(service: PracticeService, deps: SlackDeps, click: BlockActions) -> None:
    team, user_id, channel_id = click.team_id, click.user.id, click.channel_id
    action = click.actions[0]
    clicked = message_ref(channel_ref(team, channel_id), click.message_ts, click.thread_ts)
    author, slack_user = await deps.users.user_ref(team, user_id, fallback_name=click.user.username)
    neutral = Action(
        action=action.action_id,
        value=action.value,
        user=author,
        message=clicked,
        event_key=_key(click),
        user_is_bot=bool(slack_user and slack_user.is_bot),
    )
    reply = await core_call(service.handle_action(neutral), what=f"slack button {neutral.action}")
    await send_reply(deps, click.response_url or "", reply)
