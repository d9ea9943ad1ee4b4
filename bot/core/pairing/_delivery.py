"""How pairing's rows are delivered: privately, to each member of a pair (bots cannot open group DMs on
Discord, so every platform does the same: one private message per member, naming the others)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time

from framework import Framework

from bot.core.outbox import OutboxKind, send_private
from bot.core.pairing import _texts as texts
from bot.core.pairing._pairing import PAIR_MESSAGE, PAIR_REMINDER, PAIR_SIT_OUT
from bot.core.pairing.store import PairDeliveryStore
from bot.core.ports import Chat
from bot.core.records import OutboxRecord
from bot.core.refs import MessageRef

log = logging.getLogger(__name__)


class PairingDelivery:
    """A row names the pair (``subject_id``) and the member (``payload``: their place in the pair)."""

    def __init__(self, *, store: PairDeliveryStore, framework: Framework) -> None:
        self._store = store
        self._framework = framework

    def kinds(self) -> tuple[OutboxKind, ...]:
        return (OutboxKind(PAIR_MESSAGE, self._pair), OutboxKind(PAIR_REMINDER, self._reminder),
                OutboxKind(PAIR_SIT_OUT, self._sit_out))

    async def _sit_out(self, chat: Chat, row: OutboxRecord) -> MessageRef | None:
        """The one who sits the week out (by turn) is told so, privately; the row names the round, not them."""
        sitter = await self._store.round_sitter(row.subject_id or 0)
        if sitter is None:
            await self._store.drop_outbox_row(row.id, reason="nobody sits this round out any more")
            return None
        return await send_private(chat, sitter, row.target, texts.sitting_out())

    async def _pair(self, chat: Chat, row: OutboxRecord) -> MessageRef | None:
        return await self._send(chat, row, reminder=False)

    async def _reminder(self, chat: Chat, row: OutboxRecord) -> MessageRef | None:
        return await self._send(chat, row, reminder=True)

    async def _send(self, chat: Chat, row: OutboxRecord, *, reminder: bool) -> MessageRef | None:
        pair = await self._store.get_pair(row.subject_id or 0)
        place = int(row.payload or 0)
        if pair is None or place >= len(pair.members):
            await self._store.drop_outbox_row(row.id, reason="the pair is gone (a member was forgotten)")
            return None
        me = pair.members[place]
        scenario = self._framework.scenario(pair.scenario_id)
        if reminder:
            since = datetime.combine(pair.local_date, time(0, 0), tzinfo=UTC)
            message = texts.reminder(pair, me, scenario, await self._store.pair_mocks(pair, since=since))
        else:
            message = texts.pair_message(pair, me, scenario)
        return await send_private(chat, me, row.target, message)
