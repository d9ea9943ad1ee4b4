"""What every listener shares: the adapter's helpers and the one way to call the core."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.adapters.slack.files import upload
from bot.adapters.slack.home import HomePublisher
from bot.adapters.slack.installs import WorkspaceClients
from bot.adapters.slack.payloads import BadPayload, BlockActions, read
from bot.adapters.slack.render import files_sent, not_in_channel, response_payload
from bot.adapters.slack.users import UserDirectory
from bot.core.errors import UserError, new_error_id
from bot.core.guard import guarded
from bot.core.inbox import InboundItem, Inbox
from bot.core.messages import OutMessage, Reply

log = logging.getLogger(__name__)

CHANNEL_ERRORS = frozenset({"not_in_channel", "channel_not_found"})
"""Slack's answers when the bot may not post where it was asked to."""


@dataclass(frozen=True, slots=True)
class SlackDeps:
    """What listeners need besides the service."""

    users: UserDirectory
    inbox: Inbox
    session: aiohttp.ClientSession | None = None
    """The adapter's connection pool, reused for response URLs (bolt's ``respond`` opens one per call)."""
    client: AsyncWebClient | None = None
    """The Web API client, for what a response URL cannot carry (files)."""
    home: HomePublisher | None = None
    """Publishes members' App Home (``views.publish``)."""
    clients: WorkspaceClients | None = None
    """Each workspace's client (its own bot token); ``client`` serves when not given."""

    async def client_for(self, team_id: str) -> AsyncWebClient | None:
        if self.clients is not None and team_id:
            return await self.clients.for_team(team_id)
        return self.client


NOT_TAKEN = "Sorry, I couldn't take that just now (the bot's database did not answer). Please try again in a moment."
"""The ack's text when an inbound item could not be written: nothing was received, so say so."""

UNSTORED = frozenset({"token"})
"""Fields never written to the inbox (the verification token is a secret)."""


def stored(body: dict[str, Any]) -> dict[str, Any]:
    """A payload as the inbox keeps it: without its secrets."""
    return {name: value for name, value in body.items() if name not in UNSTORED}


async def taken(deps: SlackDeps, item: InboundItem, ack: AsyncAck) -> None:
    """Write a command or click to the inbox, then ack: empty when it is stored, ``NOT_TAKEN`` when the
    database refused (Slack does not deliver these again: the person is asked to try again)."""
    try:
        await deps.inbox.accept(item)
    except Exception:
        log.exception("error %s: could not take Slack %s %s", new_error_id(), item.kind, shown(item.key))
        await ack(text=NOT_TAKEN)
        return
    await ack()


def event_item(body: dict[str, Any], *, team: str, kind: str, order: str, member: str = "",
               fallback_key: str = "") -> InboundItem:
    """An Events API delivery as the inbox keeps it: keyed by Slack's ``event_id`` (a redelivery carries
    the same one; ``fallback_key`` when a payload has none, else a fresh key), the envelope's token left out."""
    event_id = body.get("event_id")
    if isinstance(event_id, str) and event_id:
        key = f"slack:{team}:event:{event_id}"
    else:
        key = fallback_key or f"slack:{team}:event:none:{uuid.uuid4().hex}"
    payload = {"type": body.get("type"), "team_id": team, "event_id": event_id, "event": body.get("event")}
    return InboundItem("slack", key, kind, order, payload, workspace=team, member=member)


async def taken_event(deps: SlackDeps, item: InboundItem) -> BoltResponse:
    """Write an event to the inbox; the response is its ack: 200 when stored, 500 (Slack delivers it
    again) when the database refused."""
    try:
        await deps.inbox.accept(item)
    except Exception:
        log.exception("error %s: could not take Slack event %s; Slack will deliver it again", new_error_id(),
                      shown(item.key))
        return BoltResponse(status=500, body="")
    return BoltResponse(status=200, body="")


def on_event_durably(app: AsyncApp, deps: SlackDeps, event_type: str,
                     to_item: Callable[[dict[str, Any]], InboundItem | None]) -> None:
    """Listen to ``event_type`` with the inbox as its ack: a listener middleware (bolt runs it before its
    auto-ack) writes ``to_item(body)`` and answers for the listener, which never runs; ``None`` means
    the event asks nothing of the bot and is acked at once."""

    async def durably(request: AsyncBoltRequest, next: Callable[[], Awaitable[None]]) -> BoltResponse:
        item = to_item(request.body)
        if item is None:
            return BoltResponse(status=200, body="")
        return await taken_event(deps, item)

    async def answered_by_the_middleware() -> None:  # pragma: no cover - the middleware answers every event
        return

    app.event(event_type, middleware=[durably])(answered_by_the_middleware)


async def click_taken(deps: SlackDeps, ack: AsyncAck, body: dict[str, Any],
                      to_item: Callable[[BlockActions, dict[str, Any]], InboundItem]) -> None:
    """A button click: read, written to the inbox as ``to_item(click, body)`` says, then acked (a
    payload the bot cannot read is acked and logged)."""
    try:
        click = read(BlockActions, body)
    except BadPayload as exc:
        await ack()
        log.warning("Slack click %s ignored: %s", shown(body.get("trigger_id")), exc.reason)
        return
    await taken(deps, to_item(click, body), ack)


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


async def _with_files(deps: SlackDeps, message: OutMessage, user_id: str, channel_id: str,
                      team_id: str) -> OutMessage | None:
    """What is left to send through the response URL once the message's files are uploaded: a
    pointer to the direct messages (personal), nothing (in channel: the upload carried the text),
    or the text fallback when the files could not go."""
    if not message.files:
        return message
    client = await deps.client_for(team_id)
    if client is None or not user_id or not channel_id:
        return message.text_only()
    where = await upload(client, message, user_id=user_id, channel_id=channel_id)
    if where is None:
        return message.text_only()
    return files_sent() if message.ephemeral else None


async def send_reply(deps: SlackDeps, response_url: str, reply: Reply, *, user_id: str = "",
                     channel_id: str = "", team_id: str = "") -> None:
    """Each message through ``response_url``: ephemeral or in channel as the core decided. Files
    are uploaded first (``files.upload``: personal ones to ``user_id``'s direct messages)."""
    if not reply.messages:
        return
    if not response_url:
        log.warning("no response_url to answer with; %d message(s) dropped", len(reply.messages))
        return
    webhook = AsyncWebhookClient(response_url, session=deps.session)
    for sent in reply.messages:
        message = await _with_files(deps, sent, user_id, channel_id, team_id)
        if message is None:
            continue
        try:
            result = await webhook.send(**response_payload(message))
        except Exception:
            log.exception("could not answer through response_url")
            return
        if result.status_code != 200:
            log.warning("response_url answered %s: %s", result.status_code, result.body[:200])
