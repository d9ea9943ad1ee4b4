"""Discord's items in the inbox: slash commands, button clicks and thread messages, and how each
is applied again from its stored payload after a crash.

Live, each is written before Discord hears anything (the defer of an interaction is its ack; a
gateway message has none) and applied at once. Taken up again after a restart, it is applied from
its neutral payload: its effect is made (an answer recorded, an interview started or moved on),
but the interaction it came with is gone, so a reply meant for it is logged, not sent. A thread
message's reply goes into its thread as it would have.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.core.guard import guarded
from bot.core.inbox import InboxRecord, action_of, command_of, message_of
from bot.core.messages import Reply

if TYPE_CHECKING:
    from bot.adapters.discord.client import PracticeBot

log = logging.getLogger(__name__)

COMMAND_KIND = "discord.command"
ACTION_KIND = "discord.action"
MESSAGE_KIND = "discord.message"


def register_appliers(bot: PracticeBot) -> None:
    service = bot.service

    async def command(record: InboxRecord) -> None:
        ctx, text = command_of(record.item.payload)
        reply = await guarded(service.handle_command(ctx, text), what=f"resumed discord /practice {text[:40]}")
        _unsent(record, reply)

    async def action(record: InboxRecord) -> None:
        click = action_of(record.item.payload)
        reply = await guarded(service.handle_action(click), what=f"resumed discord button {click.action}")
        _unsent(record, reply)

    async def message(record: InboxRecord) -> None:
        inbound = message_of(record.item.payload)
        reply = await guarded(_handled(service.handle_message(inbound)), what="resumed discord thread message")
        if inbound.ref.thread is not None:
            for out in reply.messages:
                await bot.chat.send(inbound.ref.thread, out)

    service.inbox.register(COMMAND_KIND, command)
    service.inbox.register(ACTION_KIND, action)
    service.inbox.register(MESSAGE_KIND, message)


async def _handled(call: object) -> Reply:
    await call  # type: ignore[misc]
    return Reply()


def _unsent(record: InboxRecord, reply: Reply) -> None:
    if reply.messages:
        log.info("resumed Discord item %s applied; its interaction has expired, so %d reply message(s) were not sent",
                 record.item.key[:60], len(reply.messages))
