"""Button clicks (Next section, Hint, End interview, Show checklist): ack, then the core.

Every action id is taken, not only today's four: a button from an older version of the bot is
acked in time and answered by the core ("no longer supported") instead of Slack's warning sign.
The core's reply is for the clicker only, sent through the click's ``response_url``.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.adapters.slack.events import action_key, channel_ref, message_ref, team_of, thread_key
from bot.adapters.slack.listeners._common import SlackDeps, core_call, send_reply
from bot.core.messages import Action
from bot.core.service import PracticeService

ANY_ACTION = re.compile(r".+")


def register(app: AsyncApp, service: PracticeService, deps: SlackDeps) -> None:
    async def on_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        team = team_of(body)
        user = body.get("user") or {}
        user_id = str(user.get("id", ""))
        container = body.get("container") or {}
        message = body.get("message") or {}
        channel_id = str((body.get("channel") or {}).get("id") or container.get("channel_id") or "")
        ts = str(message.get("ts") or container.get("message_ts") or "")
        thread_ts = message.get("thread_ts") or container.get("thread_ts")
        clicked = message_ref(channel_ref(team, channel_id), ts, thread_ts)

        async def run() -> None:
            author, slack_user = await deps.users.user_ref(team, user_id, fallback_name=str(user.get("username", "")))
            neutral = Action(
                action=str(action.get("action_id", "")),
                value=str(action.get("value", "")),
                user=author,
                message=clicked,
                event_key=action_key(team, user_id, str(action.get("action_ts") or body.get("trigger_id", ""))),
                user_is_bot=bool(slack_user and slack_user.is_bot),
            )
            reply = await core_call(service.handle_action(neutral), what=f"slack button {neutral.action}")
            await send_reply(deps, str(body.get("response_url", "")), reply)

        # Ordered with the messages of the same thread (a click on a prompt: the prompt's thread).
        order = thread_key(team, channel_id, thread_ts or ts)
        deps.workers.submit(order, run, what=f"button {action.get('action_id')}")

    app.action(ANY_ACTION)(on_button)
