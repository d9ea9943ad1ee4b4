"""What every listener shares: the adapter's helpers and the one way to call the core."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.adapters.slack.render import not_in_channel, response_payload
from bot.adapters.slack.users import UserDirectory
from bot.adapters.slack.work import KeyedWorkers
from bot.core.errors import UserError
from bot.core.guard import guarded
from bot.core.messages import Reply

log = logging.getLogger(__name__)

CHANNEL_ERRORS = frozenset({"not_in_channel", "channel_not_found"})
"""Slack's answers when the bot may not post where it was asked to."""


@dataclass(frozen=True, slots=True)
class SlackDeps:
    """What listeners need besides the service."""

    users: UserDirectory
    workers: KeyedWorkers
    session: aiohttp.ClientSession | None = None
    """The adapter's connection pool, reused for response URLs (bolt's ``respond`` opens one per call)."""


def shown(key: object) -> str:
    """An event key from a payload, safe to log (it came from outside: quoted and cut short)."""
    return repr(key)[:60]


async def _translated(call: Awaitable[Reply]) -> Reply:
    try:
        return await call
    except SlackApiError as exc:
        if exc.response.get("error") in CHANNEL_ERRORS:
            raise UserError(not_in_channel()) from exc
        raise


async def core_call(call: Awaitable[Reply], *, what: str) -> Reply:
    """``guarded()``, plus Slack's "not in channel" as a message people can act on."""
    return await guarded(_translated(call), what=what)


async def no_reply(call: Awaitable[None]) -> Reply:
    await call
    return Reply()


async def send_reply(deps: SlackDeps, response_url: str, reply: Reply) -> None:
    """Each message through ``response_url``: ephemeral or in channel as the core decided."""
    if not reply.messages:
        return
    if not response_url:
        log.warning("no response_url to answer with; %d message(s) dropped", len(reply.messages))
        return
    webhook = AsyncWebhookClient(response_url, session=deps.session)
    for message in reply.messages:
        try:
            result = await webhook.send(**response_payload(message))
        except Exception:
            log.exception("could not answer through response_url")
            return
        if result.status_code != 200:
            log.warning("response_url answered %s: %s", result.status_code, result.body[:200])
