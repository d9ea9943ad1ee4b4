"""Files (charts) on Slack: uploaded with ``files_upload_v2`` (``files.getUploadURLExternal``, the
upload URL, ``files.completeUploadExternal``), never through a response URL, which takes no files.

A personal message (ephemeral) has its files sent to the member's direct messages with the bot
(``conversations.open``, scope ``im:write``); the others go to the channel the command came from.
When Slack refuses (a missing ``files:write`` scope, the bot not in the channel, an upload error)
the message goes as its text fallback instead, through the response URL like any reply.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.render import render
from bot.core.messages import OutMessage

log = logging.getLogger(__name__)


async def direct_channel(client: AsyncWebClient, user_id: str) -> str:
    """The id of the bot's direct-message channel with ``user_id`` (opened if needed)."""
    opened = await client.conversations_open(users=user_id)
    channel = opened.get("channel") or {}
    return str(channel["id"])


async def upload(client: AsyncWebClient, message: OutMessage, *, user_id: str, channel_id: str) -> str | None:
    """Upload the message's files with its text as their comment; the channel they went to, or
    ``None`` when Slack would not take them (logged; the caller sends the text fallback)."""
    try:
        where = await direct_channel(client, user_id) if message.ephemeral else channel_id
        comment = render(message).text
        for number, attachment in enumerate(message.files):
            await client.files_upload_v2(
                channel=where,
                file=attachment.data,
                filename=attachment.filename,
                title=(message.title if len(message.files) == 1 else "") or attachment.filename,
                # alt text is for images (Slack's limit: 1000 characters); other files are named by their title
                alt_txt=attachment.alt[:1000] if attachment.mime.startswith("image/") else None,
                initial_comment=comment if number == 0 else None,
            )
    except (SlackApiError, SlackRequestError, KeyError) as exc:
        reason = exc.response.get("error") if isinstance(exc, SlackApiError) else str(exc)
        log.warning("Slack would not take a file (%s); sending its text fallback", reason)
        return None
    return where
